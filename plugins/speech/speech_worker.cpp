#include "speech_worker.h"

#include <gst/app/gstappsink.h>

#include <chrono>
#include <utility>
#include <vector>

#include "onair/guard.h"

GST_DEBUG_CATEGORY_STATIC(speech_worker_debug);
#define GST_CAT_DEFAULT speech_worker_debug

namespace onair::speech {

namespace {

// How far (in seconds of sound) a producer may get ahead of playback.
constexpr int kAheadSeconds = 10;
// A clip that gives no sound for this long (a stalled network source) fails.
constexpr gint64 kClipStallMicroseconds = 30 * G_USEC_PER_SEC;
constexpr auto kPoll = std::chrono::milliseconds(20);

// Streams interleaved sound of one format into an item in the stream's float format.
class Conversion {
 public:
  Conversion(const GstAudioInfo &in, StreamFormat out) : in_(in) {
    GstAudioInfo out_info;
    gst_audio_info_set_format(&out_info, GST_AUDIO_FORMAT_F32, out.rate, out.channels, nullptr);
    converter_ = gst_audio_converter_new(GST_AUDIO_CONVERTER_FLAG_NONE, &in_, &out_info, nullptr);
  }
  ~Conversion() {
    if (converter_) gst_audio_converter_free(converter_);
  }
  Conversion(const Conversion &) = delete;
  Conversion &operator=(const Conversion &) = delete;

  explicit operator bool() const { return converter_ != nullptr; }

  void push(const void *data, size_t frames, ItemAudio &audio) {
    if (frames == 0) return;
    const size_t out_frames = gst_audio_converter_get_out_frames(converter_, frames);
    out_.resize(out_frames * static_cast<size_t>(audio.channels()));
    gpointer in[1] = {const_cast<void *>(data)};
    gpointer out[1] = {out_.data()};
    if (!gst_audio_converter_samples(converter_, GST_AUDIO_CONVERTER_FLAG_NONE, in, frames, out,
                                     out_frames))
      throw std::runtime_error("the audio converter failed");
    audio.append(out_.data(), out_frames);
  }

  // Pushes the resampler's history out with silence, as audioresample does at the end.
  void drain(ItemAudio &audio) {
    const size_t latency = gst_audio_converter_get_max_latency(converter_);
    if (latency == 0) return;
    const std::vector<uint8_t> silence(latency * GST_AUDIO_INFO_BPF(&in_), 0);
    push(silence.data(), latency, audio);
  }

 private:
  GstAudioInfo in_;
  GstAudioConverter *converter_ = nullptr;
  std::vector<float> out_;
};

std::string error_text(GstMessage *message) {
  GError *error = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error(message, &error, &debug);
  std::string text = error ? error->message : "unknown error";
  GST_DEBUG("decoding failed: %s (%s)", text.c_str(), debug ? debug : "");
  if (error) g_error_free(error);
  g_free(debug);
  return text;
}

void decode_clip(const std::string &uri, StreamFormat format, ItemAudio &audio) {
  gchar *description = g_strdup_printf(
      "uridecodebin name=decode ! audioconvert ! audioresample ! "
      "audio/x-raw,format=F32LE,layout=interleaved,rate=%d,channels=%d ! "
      "appsink name=sink sync=false max-buffers=64",
      format.rate, format.channels);
  GError *error = nullptr;
  ElementPtr pipeline(gst_parse_launch(description, &error));
  g_free(description);
  if (!pipeline || error) {
    audio.fail(std::string("cannot build the decoder: ") + (error ? error->message : "?"));
    if (error) g_error_free(error);
    return;
  }
  ElementPtr decode(gst_bin_get_by_name(GST_BIN(pipeline.get()), "decode"));
  ElementPtr sink(gst_bin_get_by_name(GST_BIN(pipeline.get()), "sink"));
  g_object_set(decode.get(), "uri", uri.c_str(), nullptr);
  BusPtr bus(gst_element_get_bus(pipeline.get()));
  gst_element_set_state(pipeline.get(), GST_STATE_PLAYING);
  const size_t ahead = static_cast<size_t>(kAheadSeconds) * static_cast<size_t>(format.rate);
  gint64 last_sound = g_get_monotonic_time();
  for (;;) {
    if (audio.cancelled()) break;
    if (MessagePtr m{gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR)}) {
      audio.fail(error_text(m.get()));
      break;
    }
    // Far enough ahead: the appsink fills up and holds the decoder back.
    if (audio.frames_ahead() > ahead) {
      std::this_thread::sleep_for(kPoll);
      last_sound = g_get_monotonic_time();
      continue;
    }
    SamplePtr sample(gst_app_sink_try_pull_sample(GST_APP_SINK(sink.get()), 50 * GST_MSECOND));
    if (sample) last_sound = g_get_monotonic_time();
    if (!sample && g_get_monotonic_time() - last_sound > kClipStallMicroseconds) {
      audio.fail("the clip gave no sound for 30 s");
      break;
    }
    if (sample && audio.status().frames == 0) {
      // Known once data flows; set before the first samples, so the item starts with it.
      gint64 duration = 0;
      if (gst_element_query_duration(pipeline.get(), GST_FORMAT_TIME, &duration) && duration > 0)
        audio.set_expected_frames(gst_util_uint64_scale(
            static_cast<guint64>(duration), static_cast<guint64>(format.rate), GST_SECOND));
    }
    if (sample) {
      GstMapInfo map;
      GstBuffer *buffer = gst_sample_get_buffer(sample.get());
      if (buffer && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
        const size_t frame_bytes = sizeof(float) * static_cast<size_t>(format.channels);
        audio.append(reinterpret_cast<const float *>(map.data), map.size / frame_bytes);
        gst_buffer_unmap(buffer, &map);
      }
    } else if (gst_app_sink_is_eos(GST_APP_SINK(sink.get()))) {
      audio.finish();
      break;
    }
  }
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
}

void synthesise(const SpeechRequest &request, StreamFormat format, ItemAudio &audio) {
  std::string error;
  int espeak_rate = 0;
  if (!espeak_ready(&error, &espeak_rate)) return audio.fail(error);
  GstAudioInfo in;
  gst_audio_info_set_format(&in, GST_AUDIO_FORMAT_S16, espeak_rate, 1, nullptr);
  Conversion conversion(in, format);
  if (!conversion) return audio.fail("cannot convert espeak-ng's sound to the stream's format");
  error = espeak_synthesize(request, [&](const int16_t *samples, size_t frames) {
    if (audio.cancelled()) return false;
    conversion.push(samples, frames, audio);
    return true;
  });
  if (!error.empty()) return audio.fail(error);
  conversion.drain(audio);
  audio.finish();
}

}  // namespace

void convert_samples(GstBuffer *buffer, const GstAudioInfo &info, StreamFormat format,
                     ItemAudio &audio) {
  audio.set_channels(format.channels);
  Conversion conversion(info, format);
  if (!conversion) return audio.fail("cannot convert these samples to the stream's format");
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return audio.fail("cannot read the samples");
  conversion.push(map.data, map.size / GST_AUDIO_INFO_BPF(&info), audio);
  gst_buffer_unmap(buffer, &map);
  conversion.drain(audio);
  audio.finish();
}

void SpeechWorker::start() {
  GST_DEBUG_CATEGORY_INIT(speech_worker_debug, "ttsmixworker", 0, "ttsmix worker");
  std::lock_guard lock(lock_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { guarded(element_, [this] { run(); }); });
}

void SpeechWorker::stop() {
  {
    std::lock_guard lock(lock_);
    stopping_ = true;
    for (Job &job : jobs_) job.audio->cancel();
    jobs_.clear();
    for (const std::weak_ptr<ItemAudio> &made : made_)
      if (auto audio = made.lock()) audio->cancel();
    made_.clear();
    format_.reset();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  reap_clips(true);  // their items are cancelled: each stops at its next piece
}

void SpeechWorker::set_format(StreamFormat format) {
  {
    std::lock_guard lock(lock_);
    format_ = format;
  }
  wake_.notify_all();
}

void SpeechWorker::submit(Job job) {
  {
    std::lock_guard lock(lock_);
    if (job.first)
      jobs_.push_front(std::move(job));
    else
      jobs_.push_back(std::move(job));
  }
  wake_.notify_all();
}

bool SpeechWorker::far_ahead(StreamFormat format) {
  size_t frames = 0;
  std::erase_if(made_, [&](const std::weak_ptr<ItemAudio> &made) {
    const auto audio = made.lock();
    if (!audio || audio->cancelled()) return true;
    frames += audio->frames_ahead();
    return false;
  });
  return frames > static_cast<size_t>(kAheadSeconds) * static_cast<size_t>(format.rate);
}

void SpeechWorker::reap_clips(bool all) {
  std::erase_if(clips_, [all](ClipThread &clip) {
    if (!all && !*clip.done) return false;
    clip.thread.join();
    return true;
  });
}

void SpeechWorker::run() {
  for (;;) {
    Job job;
    StreamFormat format;
    {
      std::unique_lock lock(lock_);
      for (;;) {
        if (stopping_) return;
        if (!jobs_.empty() && format_) {
          const Job &next = jobs_.front();
          if (next.first || next.audio->cancelled() || !far_ahead(*format_)) break;
          wake_.wait_for(lock, kPoll);  // playback catches up without telling anyone
        } else {
          wake_.wait(lock);
        }
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
      format = *format_;
      made_.push_back(job.audio);
    }
    reap_clips(false);
    if (job.audio->cancelled()) continue;
    if (job.kind == ItemKind::clip) {
      auto done = std::make_shared<std::atomic<bool>>(false);
      std::thread decode([this, audio = job.audio, uri = job.uri, format, done] {
        if (!guarded(element_, false, [&] {
              audio->set_channels(format.channels);
              decode_clip(uri, format, *audio);
              return true;
            }))
          audio->fail("internal error");
        *done = true;
      });
      clips_.push_back({std::move(decode), done});
      continue;
    }
    if (!guarded(element_, false, [&] {
          make(job, format);
          return true;
        }))
      job.audio->fail("internal error");
  }
}

void SpeechWorker::make(Job &job, StreamFormat format) {
  ItemAudio &audio = *job.audio;
  audio.set_channels(format.channels);
  if (job.kind == ItemKind::speech) return synthesise(job.speech, format, audio);
  convert_samples(job.samples.get(), job.samples_info, format, audio);
}

}  // namespace onair::speech
