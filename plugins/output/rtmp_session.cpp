#include "rtmp_session.h"

#include <gio/gio.h>
#include <gst/app/gstappsrc.h>

#include <stdexcept>

#include "core/flv.h"
#include "onair/guard.h"
#include "onair/running_time.h"

namespace onair::output {

namespace {

GstElement *make(const char *factory, const char *name) {
  GstElement *e = gst_element_factory_make(factory, name);
  if (!e) throw std::runtime_error(std::string("missing element '") + factory + "'");
  return e;
}

}  // namespace

RtmpSession::RtmpSession(GstElement *owner, const SessionConfig &config, SessionEvents events)
    : owner_(owner), events_(std::move(events)), pipeline_(gst_pipeline_new("rtmp-session")) {
  gst_object_ref_sink(pipeline_.get());
  GstElement *mux = make("flvmux", "mux");
  gst_bin_add(GST_BIN(pipeline_.get()), mux);
  GstElement *sink = make("rtmp2sink", "sink");
  gst_bin_add(GST_BIN(pipeline_.get()), sink);
  g_object_set(mux, "streamable", TRUE, "encoder", "onair", nullptr);
  g_object_set(
      sink, "location", config.location.c_str(), "async-connect", TRUE, "sync", FALSE, "async",
      FALSE, "timeout", config.timeout, "tls-validation-flags",
      config.tls_validation ? G_TLS_CERTIFICATE_VALIDATE_ALL : static_cast<GTlsCertificateFlags>(0),
      nullptr);
  gst_element_link(mux, sink);

  const auto add_source = [&](const char *name) {
    GstElement *src = make("appsrc", name);
    g_object_set(src, "format", GST_FORMAT_TIME, "is-live", FALSE, "block", FALSE, "max-bytes",
                 G_GUINT64_CONSTANT(0), "emit-signals", FALSE, nullptr);
    gst_bin_add(GST_BIN(pipeline_.get()), src);
    if (!gst_element_link_pads(src, "src", mux, name))
      throw std::runtime_error(std::string("cannot link to flvmux ") + name);
    return src;
  };
  if (config.video) video_ = add_source("video");
  if (config.audio) audio_ = add_source("audio");

  GstPad *pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_sink_buffer, this, nullptr);
  gst_object_unref(pad);
  BusPtr bus(gst_element_get_bus(pipeline_.get()));
  gst_bus_set_sync_handler(bus.get(), on_message, this, nullptr);
}

RtmpSession::~RtmpSession() {
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  BusPtr bus(gst_element_get_bus(pipeline_.get()));
  gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
}

bool RtmpSession::start() {
  return gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
}

guint64 RtmpSession::queued(Stream stream) const {
  GstElement *src = source(stream);
  return src ? gst_app_src_get_current_level_time(GST_APP_SRC(src)) : 0;
}

void RtmpSession::push(Stream stream, GstCaps *caps, GstBuffer *buffer) {
  GstElement *src = source(stream);
  if (!src) {
    gst_buffer_unref(buffer);
    return;
  }
  CapsPtr &last = stream == Stream::kVideo ? video_caps_ : audio_caps_;
  if (caps && (!last || !gst_caps_is_equal(caps, last.get()))) {
    last.reset(gst_caps_ref(caps));
    gst_app_src_set_caps(GST_APP_SRC(src), caps);
  }
  gst_app_src_push_buffer(GST_APP_SRC(src), buffer);
}

void RtmpSession::end(Stream stream) {
  if (GstElement *src = source(stream)) gst_app_src_end_of_stream(GST_APP_SRC(src));
}

GstPadProbeReturn RtmpSession::on_sink_buffer(GstPad *, GstPadProbeInfo *info,
                                              gpointer data) noexcept {
  auto *self = static_cast<RtmpSession *>(data);
  onair::guarded(self->owner_, [&] {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    // rtmp2sink takes the stream headers from the caps and skips these
    // buffers without waiting for the connection: they prove nothing.
    if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_HEADER)) return;
    guint8 head[kFlvTagProbe] = {};
    const gsize got = gst_buffer_extract(buffer, 0, head, sizeof head);
    const SentBuffer sent{gst_buffer_get_size(buffer), is_video_frame_tag(head, got),
                          GST_BUFFER_DTS_OR_PTS(buffer), onair::clock_running_time(self->owner_)};
    // rtmp2sink holds the first media buffer until it has published on an
    // established connection: a second one means the first went out.
    if (++self->sink_buffers_ == 1) {
      self->first_ = sent;
      return;
    }
    if (self->sink_buffers_ == 2) {
      self->events_.live(*self);
      self->events_.sent(*self, self->first_);
    }
    self->events_.sent(*self, sent);
  });
  return GST_PAD_PROBE_OK;
}

GstBusSyncReply RtmpSession::on_message(GstBus *, GstMessage *message, gpointer data) noexcept {
  auto *self = static_cast<RtmpSession *>(data);
  onair::guarded(self->owner_, [&] {
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
      GError *error = nullptr;
      gchar *debug = nullptr;
      gst_message_parse_error(message, &error, &debug);
      ErrorPtr error_holder(error);
      CharPtr debug_holder(debug);
      self->events_.failed(*self, error ? error->message : "unknown error", debug ? debug : "");
    } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS) {
      self->events_.ended(*self);
    }
  });
  gst_message_unref(message);
  return GST_BUS_DROP;
}

}  // namespace onair::output
