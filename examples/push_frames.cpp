// Pushes frames and sound a program makes itself to an RTMP(S) server through
// resilientrtmpsink, which keeps reconnecting if the server goes away.
//
//   ONAIR_STREAM_KEY=... push_frames rtmp://host/app [seconds]
//
// The key comes from the environment so it never shows in process lists.
// The pipeline is the same shape as pipelines/rtmp.pipeline with source=app.
// See docs/embedding.md.
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

constexpr int kWidth = 640, kHeight = 360, kFps = 30, kRate = 44100;

// A moving colour gradient: frame `n`, BGRA. Four bytes a pixel: rows are
// tightly packed at any width, as GStreamer expects them without a video meta.
GstBuffer *make_frame(int n) {
  GstBuffer *buffer = gst_buffer_new_allocate(nullptr, kWidth * kHeight * 4, nullptr);
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_WRITE);
  for (int y = 0; y < kHeight; y++)
    for (int x = 0; x < kWidth; x++) {
      guint8 *p = map.data + (y * kWidth + x) * 4;
      p[0] = static_cast<guint8>(128 + 127 * std::sin(n / 15.0));  // blue
      p[1] = static_cast<guint8>(y + n * 2);                       // green
      p[2] = static_cast<guint8>(x + n * 4);                       // red
      p[3] = 255;
    }
  gst_buffer_unmap(buffer, &map);
  return buffer;
}

// One frame's worth of a 440 Hz tone, interleaved stereo S16.
GstBuffer *make_sound(int n) {
  const int samples = kRate / kFps;
  GstBuffer *buffer = gst_buffer_new_allocate(nullptr, samples * 4, nullptr);
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_WRITE);
  auto *s = reinterpret_cast<gint16 *>(map.data);
  for (int i = 0; i < samples; i++) {
    const double t = static_cast<double>(n * samples + i) / kRate;
    s[2 * i] = s[2 * i + 1] = static_cast<gint16>(8000 * std::sin(2 * M_PI * 440 * t));
  }
  gst_buffer_unmap(buffer, &map);
  return buffer;
}

}  // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: ONAIR_STREAM_KEY=... %s rtmp://host/app [seconds]\n", argv[0]);
    return 2;
  }
  const char *key = g_getenv("ONAIR_STREAM_KEY");
  if (!key || !*key) {
    std::fprintf(stderr, "set ONAIR_STREAM_KEY to the stream key\n");
    return 2;
  }
  const double seconds = argc > 2 ? std::atof(argv[2]) : 10;

  // Timestamps come from the frame count, so the stream is exact even if this
  // program is late now and then.
  const std::string launch =
      "appsrc name=video_in format=time is-live=true caps=video/x-raw,format=BGRA,width=" +
      std::to_string(kWidth) + ",height=" + std::to_string(kHeight) +
      ",framerate=" + std::to_string(kFps) +
      "/1 ! queue ! videoconvert ! video/x-raw,format=I420 "
      "! x264enc tune=zerolatency speed-preset=veryfast bitrate=1500 key-int-max=60 "
      "! h264parse ! out.video "
      "appsrc name=audio_in format=time is-live=true "
      "caps=audio/x-raw,format=S16LE,layout=interleaved,rate=44100,channels=2 "
      "! queue ! audioconvert ! voaacenc bitrate=128000 ! aacparse ! out.audio "
      "resilientrtmpsink name=out";
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch(launch.c_str(), &error);
  // A missing element still gives a (partial) pipeline, with the error set.
  if (error) {
    std::fprintf(stderr,
                 "cannot build the pipeline: %s\n"
                 "(are onair's plugins installed, or GST_PLUGIN_PATH set? From a build tree run "
                 "it as: meson devenv -C build -w . build/examples/push_frames ...)\n",
                 error->message);
    g_error_free(error);
    if (pipeline) gst_object_unref(pipeline);
    return 1;
  }
  GstElement *out = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  const std::string location = std::string(argv[1]) + "/" + key;
  g_object_set(out, "location", location.c_str(), nullptr);
  auto *video = GST_APP_SRC(gst_bin_get_by_name(GST_BIN(pipeline), "video_in"));
  auto *audio = GST_APP_SRC(gst_bin_get_by_name(GST_BIN(pipeline), "audio_in"));

  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    std::fprintf(stderr,
                 "cannot start the pipeline (see the errors above; for more, run with "
                 "GST_DEBUG=3)\n");
    gst_object_unref(video);
    gst_object_unref(audio);
    gst_object_unref(out);
    gst_object_unref(pipeline);
    return 1;
  }
  GstBus *bus = gst_element_get_bus(pipeline);
  const GstClockTime frame = GST_SECOND / kFps;
  const int frames = static_cast<int>(seconds * kFps);
  GstClock *clock = gst_system_clock_obtain();
  const GstClockTime start = gst_clock_get_time(clock);
  for (int n = 0; n < frames; n++) {
    // Pace the pushes in real time, as a renderer producing frames would.
    GstClockID id = gst_clock_new_single_shot_id(clock, start + n * frame);
    gst_clock_id_wait(id, nullptr);
    gst_clock_id_unref(id);
    GstBuffer *v = make_frame(n), *a = make_sound(n);
    GST_BUFFER_PTS(v) = GST_BUFFER_PTS(a) = n * frame;
    GST_BUFFER_DURATION(v) = GST_BUFFER_DURATION(a) = frame;
    gst_app_src_push_buffer(video, v);
    gst_app_src_push_buffer(audio, a);
    // The state messages tell where the output stands; the key is never in them.
    while (GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ELEMENT)) {
      const GstStructure *s = gst_message_get_structure(m);
      if (gst_structure_has_name(s, "resilientrtmpsink-state"))
        std::printf("output %s %s\n", gst_structure_get_string(s, "state"),
                    gst_structure_get_string(s, "location"));
      gst_message_unref(m);
    }
  }
  gst_app_src_end_of_stream(video);
  gst_app_src_end_of_stream(audio);
  GstMessage *end = gst_bus_timed_pop_filtered(
      bus, 10 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  GstStructure *stats = nullptr;
  g_object_get(out, "stats", &stats, nullptr);
  guint64 sent = 0, dropped = 0;
  gst_structure_get_uint64(stats, "frames-sent", &sent);
  gst_structure_get_uint64(stats, "frames-dropped", &dropped);
  std::printf("pushed %d frames: %" G_GUINT64_FORMAT " sent, %" G_GUINT64_FORMAT " dropped\n",
              frames, sent, dropped);
  gst_structure_free(stats);
  const int code = end && GST_MESSAGE_TYPE(end) == GST_MESSAGE_EOS ? 0 : 1;
  if (end) gst_message_unref(end);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(clock);
  gst_object_unref(bus);
  gst_object_unref(video);
  gst_object_unref(audio);
  gst_object_unref(out);
  gst_object_unref(pipeline);
  return code;
}
