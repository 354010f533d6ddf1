// Pulls decoded frames and audio out of an RTMP stream into a program, and
// pairs each frame with the sound that plays during it.
//
//   ONAIR_STREAM_KEY=... capture_frames rtmp://host/app [seconds]
//
// Frames arrive as packed RGB, audio as 16 kHz mono S16 (what speech
// recognisers want). The pipeline is the one in pipelines/rtmp-capture.pipeline.
// See docs/embedding.md.
#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <vector>

namespace {

struct Frame {
  GstClockTime pts;
  int width, height;
  std::vector<guint8> rgb;
};

struct Audio {
  GstClockTime pts;
  std::vector<gint16> samples;  // 16 kHz mono
};

}  // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: ONAIR_STREAM_KEY=... %s rtmp://host/app [seconds]\n", argv[0]);
    return 2;
  }
  const char *key = g_getenv("ONAIR_STREAM_KEY");
  const double seconds = argc > 2 ? std::atof(argv[2]) : 10;
  const std::string location = std::string(argv[1]) + "/" + (key ? key : "");

  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch(
      // A publisher that goes away ends the stream (EOS); one that stops
      // sending for 10 s is an error.
      "rtmp2src name=src idle-timeout=10 ! flvdemux name=demux "
      "demux.video ! queue ! h264parse ! avdec_h264 ! videoconvert ! video/x-raw,format=RGB "
      "! appsink name=video max-buffers=30 sync=false async=false "
      "demux.audio ! queue ! aacparse ! avdec_aac ! audioconvert ! audioresample "
      "! audio/x-raw,format=S16LE,rate=16000,channels=1 ! appsink name=audio sync=false "
      "async=false",
      &error);
  if (!pipeline) {
    std::fprintf(stderr, "cannot build the pipeline: %s\n", error->message);
    return 1;
  }
  GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  g_object_set(src, "location", location.c_str(), nullptr);
  gst_object_unref(src);
  auto *video = GST_APP_SINK(gst_bin_get_by_name(GST_BIN(pipeline), "video"));
  auto *audio = GST_APP_SINK(gst_bin_get_by_name(GST_BIN(pipeline), "audio"));
  gst_element_set_state(pipeline, GST_STATE_PLAYING);

  std::deque<Audio> pending_audio;
  guint64 frames = 0, pairs = 0, audio_samples = 0;
  int width = 0, height = 0;
  GstClockTime audio_end = 0;  // end of the latest audio taken
  bool sound_late = false;     // a wait for sound timed out: do not wait again until some comes
  const gint64 end = g_get_monotonic_time() + static_cast<gint64>(seconds * 1e6);
  // A subscriber that joins mid-stream sometimes gets sound but never a
  // picture (flvdemux finds no video); joining again fixes it.
  constexpr gint64 kRejoinAfter = 3'000'000;  // us without a first frame
  gint64 joined = g_get_monotonic_time();
  // The blocking way: pull one frame, then the audio up to its end.
  while (g_get_monotonic_time() < end) {
    GstSample *sample = gst_app_sink_try_pull_sample(video, 100 * GST_MSECOND);
    if (!sample) {
      if (gst_app_sink_is_eos(video)) break;
      if (frames == 0 && g_get_monotonic_time() - joined > kRejoinAfter) {
        std::printf("no picture yet, joining again\n");
        gst_element_set_state(pipeline, GST_STATE_NULL);
        gst_element_set_state(pipeline, GST_STATE_PLAYING);
        joined = g_get_monotonic_time();
      }
      continue;
    }
    Frame frame;
    GstBuffer *buffer = gst_sample_get_buffer(sample);
    GstStructure *caps = gst_caps_get_structure(gst_sample_get_caps(sample), 0);
    gst_structure_get_int(caps, "width", &frame.width);
    gst_structure_get_int(caps, "height", &frame.height);
    frame.pts = GST_BUFFER_PTS(buffer);
    GstMapInfo map;
    gst_buffer_map(buffer, &map, GST_MAP_READ);
    frame.rgb.assign(map.data, map.data + map.size);
    gst_buffer_unmap(buffer, &map);
    const GstClockTime frame_end =
        GST_BUFFER_DURATION_IS_VALID(buffer) ? frame.pts + GST_BUFFER_DURATION(buffer) : frame.pts;
    gst_sample_unref(sample);
    frames++;
    width = frame.width;
    height = frame.height;

    // Audio that starts before the frame ends belongs with it. Sound is
    // decoded in its own thread and may not be ready yet: wait a little for
    // audio up to the frame's end. A stream without sound (or whose sound
    // stopped) costs one such wait, not one per frame.
    while (audio_end < frame_end) {
      GstSample *a = gst_app_sink_try_pull_sample(audio, sound_late ? 0 : 500 * GST_MSECOND);
      sound_late = a == nullptr;
      if (!a) break;
      GstBuffer *ab = gst_sample_get_buffer(a);
      Audio chunk;
      chunk.pts = GST_BUFFER_PTS(ab);
      gst_buffer_map(ab, &map, GST_MAP_READ);
      const auto *s = reinterpret_cast<const gint16 *>(map.data);
      chunk.samples.assign(s, s + map.size / 2);
      gst_buffer_unmap(ab, &map);
      // 16 kHz mono: the sample count gives the chunk's length.
      audio_end = chunk.pts + gst_util_uint64_scale(chunk.samples.size(), GST_SECOND, 16000);
      gst_sample_unref(a);
      audio_samples += chunk.samples.size();
      pending_audio.push_back(std::move(chunk));
    }
    size_t with_frame = 0;
    while (!pending_audio.empty() && pending_audio.front().pts < frame_end) {
      with_frame += pending_audio.front().samples.size();
      pending_audio.pop_front();
    }
    if (with_frame) pairs++;
    if (frames % 30 == 0)
      std::printf("frame %" G_GUINT64_FORMAT " at %.2f s: %dx%d, %zu audio samples with it\n",
                  frames, static_cast<double>(frame.pts) / GST_SECOND, frame.width, frame.height,
                  with_frame);
  }
  std::printf("frames=%" G_GUINT64_FORMAT " size=%dx%d audio_samples=%" G_GUINT64_FORMAT
              " pairs=%" G_GUINT64_FORMAT "\n",
              frames, width, height, audio_samples, pairs);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(video);
  gst_object_unref(audio);
  gst_object_unref(pipeline);
  return frames > 0 ? 0 : 1;
}
