#include "sender_remuxer.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include <stdexcept>
#include <utility>

GST_DEBUG_CATEGORY_STATIC(sender_remuxer_debug);
#define GST_CAT_DEFAULT sender_remuxer_debug

namespace onair::intake {

namespace {

// ffmpeg's MPEG-TS programme: programme 1, its PMT on 0x1000, video on 0x100 (with the clock),
// sound on 0x101.
constexpr char kProgrammeMap[] = "programme-map, PMT_1=(uint)4096, PCR_1=sink_256";
constexpr guint kVideoPid = 0x100;
constexpr guint kAudioPid = 0x101;
// A sender's bytes waiting to be remuxed beyond this mean the remuxer is stuck (a container
// that never announces all its streams): the sender is dropped rather than memory growing.
constexpr guint64 kMaxPendingBytes = 64 * 1024 * 1024;

struct Container {
  const char *media;
  const char *demuxer;
};
// Matroska is not among them: matroskademux gives H.264 without decoding times, which MPEG-TS
// and the MP4 files made from it need.
constexpr Container kContainers[] = {{"video/x-flv", "flvdemux"}};

const char *demuxer_for(const GstCaps *caps) {
  if (!caps || gst_caps_is_empty(caps)) return nullptr;
  const std::string name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
  for (const Container &container : kContainers)
    if (name == container.media) return container.demuxer;
  return nullptr;
}

GstElement *make(const char *factory) {
  GstElement *element = gst_element_factory_make(factory, nullptr);
  if (!element)
    throw std::runtime_error(std::string("GStreamer element \"") + factory + "\" is missing");
  return element;
}

// The parser that turns a demuxed stream into what MPEG-TS carries (H.264 and H.265 in
// Annex B with the parameter sets at every keyframe, so the stream decodes from any keyframe;
// AAC framed); null when the stream goes as it is.
const char *ts_parser_for(const GstCaps *caps) {
  const GstStructure *s = gst_caps_get_structure(caps, 0);
  const std::string media = gst_structure_get_name(s);
  if (media == "video/x-h264") return "h264parse";
  if (media == "video/x-h265") return "h265parse";
  gint version = 0;
  if (media == "audio/mpeg" && gst_structure_get_int(s, "mpegversion", &version))
    return version == 1 ? "mpegaudioparse" : "aacparse";
  return nullptr;
}

}  // namespace

bool SenderRemuxer::handles(const GstCaps *sender_caps) {
  return demuxer_for(sender_caps) != nullptr;
}

SenderRemuxer::SenderRemuxer(const GstCaps *sender_caps, std::function<void()> on_output)
    : on_output_(std::move(on_output)) {
  static gsize debug_once = 0;
  if (g_once_init_enter(&debug_once)) {
    GST_DEBUG_CATEGORY_INIT(sender_remuxer_debug, "senderremuxer", 0,
                            "A sender's FLV or Matroska remuxed into MPEG-TS");
    g_once_init_leave(&debug_once, 1);
  }
  pipeline_.reset(GST_ELEMENT(gst_object_ref_sink(gst_pipeline_new("sender-remuxer"))));
  appsrc_ = make("appsrc");
  const char *demuxer = demuxer_for(sender_caps);
  if (!demuxer) throw std::runtime_error("not a container the remuxer reads");
  GstElement *demux = make(demuxer);
  mux_ = make("mpegtsmux");
  GstElement *sink = make("appsink");
  gst_bin_add_many(GST_BIN(pipeline_.get()), appsrc_, demux, mux_, sink, nullptr);

  CapsPtr caps(gst_caps_copy(sender_caps));
  g_object_set(appsrc_, "caps", caps.get(), "format", GST_FORMAT_BYTES, "is-live", FALSE, "block",
               FALSE, nullptr);
  StructurePtr map(gst_structure_from_string(kProgrammeMap, nullptr));
  g_object_set(mux_, "prog-map", map.get(), nullptr);
  g_object_set(sink, "sync", FALSE, nullptr);
  if (!gst_element_link(appsrc_, demux) || !gst_element_link(mux_, sink))
    throw std::runtime_error("could not link the remuxer");

  g_signal_connect(demux, "pad-added", G_CALLBACK(+[](GstElement *, GstPad *pad, gpointer self) {
                     static_cast<SenderRemuxer *>(self)->link_stream(pad);
                   }),
                   this);
  g_signal_connect(demux, "no-more-pads", G_CALLBACK(+[](GstElement *, gpointer self) {
                     static_cast<SenderRemuxer *>(self)->release_streams();
                   }),
                   this);

  GstAppSinkCallbacks callbacks{};
  callbacks.eos = [](GstAppSink *, gpointer self) {
    auto *remuxer = static_cast<SenderRemuxer *>(self);
    {
      std::lock_guard lock(remuxer->lock_);
      remuxer->eos_ = true;
    }
    remuxer->ended_.notify_all();
    remuxer->on_output_();
  };
  callbacks.new_sample = [](GstAppSink *appsink, gpointer self) {
    SamplePtr sample(gst_app_sink_pull_sample(appsink));
    if (sample) static_cast<SenderRemuxer *>(self)->on_sample(sample.get());
    return GST_FLOW_OK;
  };
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, this, nullptr);

  BusPtr bus(gst_element_get_bus(pipeline_.get()));
  gst_bus_set_sync_handler(
      bus.get(),
      [](GstBus *, GstMessage *message, gpointer self) {
        static_cast<SenderRemuxer *>(self)->on_bus_message(message);
        return GST_BUS_DROP;
      },
      this, nullptr);

  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    throw std::runtime_error("the remuxer did not start");
}

SenderRemuxer::~SenderRemuxer() {
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
}

// Each stream waits in a queue of its own until the container announced all of them, so the
// first programme table the muxer writes already lists every stream.
void SenderRemuxer::link_stream(GstPad *pad) {
  CapsPtr caps(gst_pad_get_current_caps(pad));
  if (!caps) caps.reset(gst_pad_query_caps(pad, nullptr));
  if (gst_caps_is_empty(caps.get())) return;
  const std::string media = gst_structure_get_name(gst_caps_get_structure(caps.get(), 0));
  GstElement *queue = make("queue");
  g_object_set(queue, "max-size-buffers", 0u, "max-size-time", G_GUINT64_CONSTANT(0),
               "max-size-bytes", 0u, nullptr);
  gst_bin_add(GST_BIN(pipeline_.get()), queue);
  GstElement *last = queue;
  if (const char *parser = ts_parser_for(caps.get())) {
    GstElement *element = make(parser);
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(element), "config-interval"))
      g_object_set(element, "config-interval", -1, nullptr);
    gst_bin_add(GST_BIN(pipeline_.get()), element);
    gst_element_link(queue, element);
    gst_element_sync_state_with_parent(element);
    last = element;
  }
  ObjectPtr<GstPad> out(gst_element_get_static_pad(last, "src"));
  const gulong probe = gst_pad_add_probe(
      out.get(), GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM,
      [](GstPad *, GstPadProbeInfo *, gpointer) { return GST_PAD_PROBE_OK; }, nullptr, nullptr);
  gst_element_sync_state_with_parent(queue);
  ObjectPtr<GstPad> in(gst_element_get_static_pad(queue, "sink"));
  gst_pad_link(pad, in.get());

  guint pid = next_pid_++;
  if (media.rfind("video/", 0) == 0 && !has_video_) {
    has_video_ = true;
    pid = kVideoPid;
  } else if (media.rfind("audio/", 0) == 0 && !has_audio_) {
    has_audio_ = true;
    pid = kAudioPid;
  }
  std::lock_guard lock(lock_);
  waiting_.push_back({last, probe, pid, media});
}

void SenderRemuxer::release_streams() {
  std::vector<WaitingStream> streams;
  {
    std::lock_guard lock(lock_);
    streams.swap(waiting_);
  }
  for (const WaitingStream &stream : streams) {
    ObjectPtr<GstPad> out(gst_element_get_static_pad(stream.last, "src"));
    const std::string name = "sink_" + std::to_string(stream.pid);
    ObjectPtr<GstPad> mux_pad(gst_element_request_pad_simple(mux_, name.c_str()));
    if (!mux_pad || GST_PAD_LINK_FAILED(gst_pad_link(out.get(), mux_pad.get()))) {
      // A codec MPEG-TS does not carry: that stream is left out, the others go on.
      GST_WARNING("the sender's %s stream cannot go into MPEG-TS; left out", stream.media.c_str());
      if (mux_pad) gst_element_release_request_pad(mux_, mux_pad.get());
      GstElement *discard = make("fakesink");
      g_object_set(discard, "sync", FALSE, "async", FALSE, nullptr);
      gst_bin_add(GST_BIN(pipeline_.get()), discard);
      gst_element_sync_state_with_parent(discard);
      gst_element_link(stream.last, discard);
    }
  }
  // Only once the muxer has all its pads: it writes its programme table when data first comes.
  for (const WaitingStream &stream : streams) {
    ObjectPtr<GstPad> out(gst_element_get_static_pad(stream.last, "src"));
    gst_pad_remove_probe(out.get(), stream.probe);
  }
}

void SenderRemuxer::push(const uint8_t *data, size_t size) {
  guint64 pending = 0;
  g_object_get(appsrc_, "current-level-bytes", &pending, nullptr);
  if (pending > kMaxPendingBytes) {
    {
      std::lock_guard lock(lock_);
      if (error_.empty()) error_ = "the remuxer stopped taking the stream (64 MB waiting)";
    }
    on_output_();
    return;
  }
  gst_app_src_push_buffer(GST_APP_SRC(appsrc_), gst_buffer_new_memdup(data, size));
}

bool SenderRemuxer::finish(std::chrono::milliseconds bound) {
  gst_app_src_end_of_stream(GST_APP_SRC(appsrc_));
  std::unique_lock lock(lock_);
  return ended_.wait_for(lock, bound, [&] { return eos_ || !error_.empty(); });
}

std::vector<uint8_t> SenderRemuxer::take_output() {
  std::lock_guard lock(lock_);
  return std::exchange(output_, {});
}

std::string SenderRemuxer::error() const {
  std::lock_guard lock(lock_);
  return error_;
}

void SenderRemuxer::on_sample(GstSample *sample) {
  GstBuffer *buffer = gst_sample_get_buffer(sample);
  GstMapInfo map;
  if (!buffer || !gst_buffer_map(buffer, &map, GST_MAP_READ)) return;
  bool was_empty = false;
  {
    std::lock_guard lock(lock_);
    was_empty = output_.empty();
    output_.insert(output_.end(), map.data, map.data + map.size);
  }
  gst_buffer_unmap(buffer, &map);
  // The waiting thread takes all there is, so one call per batch is enough.
  if (was_empty) on_output_();
}

void SenderRemuxer::on_bus_message(GstMessage *message) {
  if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ERROR) return;
  GError *error = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error(message, &error, &debug);
  GST_INFO("remuxer error from %s: %s (%s)", GST_MESSAGE_SRC_NAME(message), error->message,
           debug ? debug : "");
  {
    std::lock_guard lock(lock_);
    if (error_.empty()) error_ = error->message;
  }
  g_error_free(error);
  g_free(debug);
  ended_.notify_all();
  on_output_();
}

}  // namespace onair::intake
