/**
 * SECTION:element-broadcastoverlay
 * @title: broadcastoverlay
 *
 * Draws a streamer's overlay on live video: the last chat messages (user
 * names in their colours, long lines wrapped, fading out after a time to
 * live), a queue of alerts shown one after another in boxes coloured by type,
 * a status line and a logo. Text goes through Pango, so any script and emoji
 * (where the fonts have them) work; sizes follow the frame height.
 *
 * Each picture is drawn once when its content changes and blended per frame
 * only where it is, in the frame's own format. When downstream can draw
 * overlay compositions itself (it offers GstVideoOverlayCompositionMeta in
 * the allocation query), the pictures are attached instead of blended.
 *
 * Control it with properties and the action signals `add-chat`,
 * `add-alert`, `clear-chat` and `clear-alerts`. Timing (time to live, alert
 * durations, fades) follows buffer running time. When an alert appears and
 * when it ends, the element posts a `broadcastoverlay-alert` element message
 * (fields: event "shown" or "done", text, type, running-time, queued). See
 * docs/elements/broadcastoverlay.md.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! broadcastoverlay status="LIVE {time}"
 *     logo-location=logo.png ! videoconvert ! autovideosink
 * ]|
 */
#include "gstbroadcastoverlay.h"

#include <gst/video/video.h>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broadcastoverlay_messages.h"
#include "broadcastoverlay_settings.h"
#include "composition.h"
#include "core/command_queue.h"
#include "core/text.h"
#include "onair/guard.h"
#include "onair/running_time.h"
#include "render/scene.h"

GST_DEBUG_CATEGORY_STATIC(broadcast_overlay_debug);
#define GST_CAT_DEFAULT broadcast_overlay_debug

namespace ov = onair::overlay;
namespace msg = onair::broadcastoverlay_messages;

namespace {

// Streaming-thread state: built in start() (set_info() starts its pictures anew), dropped in
// stop().
struct State {
  std::string loaded_logo;
  bool logo_tried = false;
  bool attach = false;  // downstream draws overlay compositions
  bool check_downstream = true;
  int64_t last_running_time = 0;
  ov::CompositionAttacher composition;
};

struct Priv {
  std::mutex lock;  // guards settings and commands
  ov::Settings settings;
  ov::CommandQueue commands;  // filled by the action signals, drained by the streaming thread

  // Streaming thread. The scene (chat, alerts, logo) stays while the element is stopped, like
  // the commands sent meanwhile.
  ov::Scene scene;
  std::optional<State> state;
};

enum { PROP_CHAT_COUNT = ov::kSettingsPropertyEnd, PROP_ALERTS_QUEUED };

enum { SIGNAL_ADD_CHAT, SIGNAL_ADD_ALERT, SIGNAL_CLEAR_CHAT, SIGNAL_CLEAR_ALERTS, N_SIGNALS };
guint signals[N_SIGNALS];

#define FORMATS "{ I420, NV12, BGRx, RGBx, BGRA, RGBA }"
GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(FORMATS)));
GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(FORMATS)));

bool pixel_format_of(GstVideoFormat format, ov::PixelFormat &out) {
  switch (format) {
    case GST_VIDEO_FORMAT_I420:
      out = ov::PixelFormat::kI420;
      return true;
    case GST_VIDEO_FORMAT_NV12:
      out = ov::PixelFormat::kNV12;
      return true;
    case GST_VIDEO_FORMAT_BGRx:
      out = ov::PixelFormat::kBGRx;
      return true;
    case GST_VIDEO_FORMAT_RGBx:
      out = ov::PixelFormat::kRGBx;
      return true;
    case GST_VIDEO_FORMAT_BGRA:
      out = ov::PixelFormat::kBGRA;
      return true;
    case GST_VIDEO_FORMAT_RGBA:
      out = ov::PixelFormat::kRGBA;
      return true;
    default:
      return false;
  }
}

}  // namespace

struct _GstBroadcastOverlay {
  GstVideoFilter parent;
  Priv *priv;
};

G_DEFINE_TYPE(GstBroadcastOverlay, gst_broadcast_overlay, GST_TYPE_VIDEO_FILTER)
GST_ELEMENT_REGISTER_DEFINE(broadcastoverlay, "broadcastoverlay", GST_RANK_NONE,
                            GST_TYPE_BROADCAST_OVERLAY)

namespace {

gboolean add_chat(GstBroadcastOverlay *self, const gchar *user, const gchar *text,
                  const gchar *color) noexcept {
  return onair::guarded(GST_ELEMENT_CAST(self), FALSE, [&]() -> gboolean {
    std::string user_name = ov::clean_text(user ? user : "", ov::kMaxUserChars);
    std::string message = ov::clean_text(text ? text : "", ov::kMaxChatChars);
    if (message.empty()) {
      GST_WARNING_OBJECT(self, "add-chat without text ignored");
      return FALSE;
    }
    ov::Rgb rgb_color;
    if (color && *color) {
      const auto rgb = ov::parse_color(color);
      if (!rgb) {
        GST_WARNING_OBJECT(self, "add-chat: '%s' is not a colour (#rgb, #rrggbb or a name)", color);
        return FALSE;
      }
      rgb_color = *rgb;
    } else {
      rgb_color = ov::color_for_name(user_name);
    }
    std::lock_guard lock(self->priv->lock);
    self->priv->commands.add_chat(std::move(user_name), std::move(message), rgb_color);
    return TRUE;
  });
}

gboolean add_alert(GstBroadcastOverlay *self, const gchar *text, const gchar *type,
                   guint64 duration) noexcept {
  return onair::guarded(GST_ELEMENT_CAST(self), FALSE, [&]() -> gboolean {
    std::string alert_text = ov::clean_text(text ? text : "", ov::kMaxAlertChars);
    if (alert_text.empty()) {
      GST_WARNING_OBJECT(self, "add-alert without text ignored");
      return FALSE;
    }
    ov::AlertType alert_type = ov::AlertType::kInfo;
    if (type && *type && !ov::parse_alert_type(type, alert_type)) {
      GST_WARNING_OBJECT(self, "add-alert: unknown type '%s' (info, success, warning, error)",
                         type);
      return FALSE;
    }
    if (duration > ov::kMaxAlertDuration) {
      GST_WARNING_OBJECT(self, "add-alert: duration %" GST_TIME_FORMAT " is too long",
                         GST_TIME_ARGS(duration));
      return FALSE;
    }
    std::lock_guard lock(self->priv->lock);
    const auto alert_duration =
        static_cast<int64_t>(duration ? duration : self->priv->settings.alert_duration);
    if (!self->priv->commands.add_alert(std::move(alert_text), alert_type, alert_duration)) {
      GST_WARNING_OBJECT(self, "add-alert: %zu alerts already queued",
                         ov::CommandQueue::kMaxQueuedAlerts);
      return FALSE;
    }
    return TRUE;
  });
}

void clear_chat(GstBroadcastOverlay *self) noexcept {
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    std::lock_guard lock(self->priv->lock);
    self->priv->commands.clear_chat();
  });
}

void clear_alerts(GstBroadcastOverlay *self) noexcept {
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    std::lock_guard lock(self->priv->lock);
    self->priv->commands.clear_alerts();
  });
}

std::string local_time_now() {
  GDateTime *now = g_date_time_new_now_local();
  gchar *text = g_date_time_format(now, "%H:%M:%S");
  std::string out = text ? text : "";
  g_free(text);
  g_date_time_unref(now);
  return out;
}

// Loads the logo when its location changed; a bad file is a warning, and the
// stream goes on without a logo.
void update_logo(GstBroadcastOverlay *self, State &state, const std::string &location) {
  Priv *p = self->priv;
  if (state.logo_tried && location == state.loaded_logo) return;
  state.logo_tried = true;
  state.loaded_logo = location;
  if (location.empty()) {
    p->scene.set_logo({});
    return;
  }
  std::string error;
  ov::Image logo = ov::load_png(location, error);
  if (logo.empty())
    GST_ELEMENT_WARNING(self, RESOURCE, OPEN_READ, ("Cannot load the logo; going on without it."),
                        ("%s: %s", location.c_str(), error.c_str()));
  p->scene.set_logo(std::move(logo));
}

void post_alert_events(GstBroadcastOverlay *self, const std::vector<ov::AlertEvent> &events) {
  for (const ov::AlertEvent &e : events) {
    GstStructure *s =
        gst_structure_new(msg::kAlert, msg::kEvent, G_TYPE_STRING,
                          e.kind == ov::AlertEvent::Kind::kShown ? msg::kShown : msg::kDone,
                          msg::kText, G_TYPE_STRING, e.alert.text.c_str(), msg::kType,
                          G_TYPE_STRING, ov::alert_type_name(e.alert.type), msg::kRunningTime,
                          G_TYPE_UINT64, static_cast<guint64>(e.at), msg::kQueued, G_TYPE_UINT,
                          static_cast<guint>(e.queued), nullptr);
    gst_element_post_message(GST_ELEMENT_CAST(self),
                             gst_message_new_element(GST_OBJECT_CAST(self), s));
  }
}

}  // namespace

static GstFlowReturn gst_broadcast_overlay_transform_frame_ip(GstVideoFilter *filter,
                                                              GstVideoFrame *frame) noexcept {
  auto *self = GST_BROADCAST_OVERLAY(filter);
  return onair::guarded(GST_ELEMENT_CAST(self), GST_FLOW_ERROR, [&] {
    Priv *p = self->priv;
    if (!p->state) return GST_FLOW_FLUSHING;
    State &state = *p->state;

    // A frame without a running time shows the last one's.
    const int64_t rt = onair::segment_running_time(&GST_BASE_TRANSFORM(filter)->segment,
                                                   GST_BUFFER_PTS(frame->buffer));
    if (rt != onair::kUnknownTime) state.last_running_time = rt;
    const int64_t now = state.last_running_time;
    if (state.check_downstream) {
      state.attach = ov::downstream_draws_compositions(GST_BASE_TRANSFORM(filter));
      state.check_downstream = false;
      GST_INFO_OBJECT(self, "%s",
                      state.attach ? "downstream draws the overlay: attaching it"
                                   : "blending the overlay into the frames");
    }

    ov::Settings settings;
    std::vector<ov::Command> commands;
    {
      std::lock_guard lock(p->lock);
      settings = p->settings;
      commands = p->commands.take();
    }
    settings.scene.status = ov::clean_text(
        ov::expand_status(settings.status_template, now,
                          settings.status_template.find("{time}") != std::string::npos
                              ? local_time_now()
                              : std::string()),
        ov::kMaxStatusChars);
    p->scene.set_config(settings.scene);
    update_logo(self, state, settings.logo_location);
    ov::apply_commands(std::move(commands), p->scene.chat(), p->scene.alerts());

    std::vector<ov::AlertEvent> events;
    const std::vector<ov::Placed> placed = p->scene.update(now, events);
    {
      std::lock_guard lock(p->lock);
      p->commands.set_shown(p->scene.chat().size(), p->scene.alerts().size());
    }

    if (state.attach) {
      state.composition.attach(frame->buffer, placed);
    } else {
      // An upstream element's composition is drawn first, under ours.
      ov::blend_upstream_composition(frame);
      ov::FrameView view;
      pixel_format_of(GST_VIDEO_FRAME_FORMAT(frame), view.format);
      view.width = GST_VIDEO_FRAME_WIDTH(frame);
      view.height = GST_VIDEO_FRAME_HEIGHT(frame);
      for (guint i = 0; i < GST_VIDEO_FRAME_N_PLANES(frame) && i < 3; i++) {
        view.data[i] = static_cast<uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(frame, i));
        view.stride[i] = GST_VIDEO_FRAME_PLANE_STRIDE(frame, i);
      }
      p->scene.blend(view, placed);
    }
    post_alert_events(self, events);
    return GST_FLOW_OK;
  });
}

static gboolean gst_broadcast_overlay_set_info(GstVideoFilter *filter, GstCaps *, GstVideoInfo *,
                                               GstCaps *, GstVideoInfo *out_info) noexcept {
  auto *self = GST_BROADCAST_OVERLAY(filter);
  return onair::guarded(GST_ELEMENT_CAST(self), FALSE, [&]() -> gboolean {
    ov::PixelFormat format;
    if (!pixel_format_of(GST_VIDEO_INFO_FORMAT(out_info), format)) return FALSE;
    ov::YuvMatrix matrix;
    gdouble kr, kb;
    if (gst_video_color_matrix_get_Kr_Kb(out_info->colorimetry.matrix, &kr, &kb))
      matrix.kr = kr, matrix.kb = kb;
    matrix.full_range = out_info->colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255;
    Priv *p = self->priv;
    if (!p->state) return FALSE;
    p->scene.set_frame(GST_VIDEO_INFO_WIDTH(out_info), GST_VIDEO_INFO_HEIGHT(out_info), format,
                       matrix);
    p->state->composition.forget();
    p->state->check_downstream = true;
    return TRUE;
  });
}

static gboolean gst_broadcast_overlay_start(GstBaseTransform *trans) noexcept {
  auto *self = GST_BROADCAST_OVERLAY(trans);
  return onair::guarded(GST_ELEMENT_CAST(self), FALSE, [&]() -> gboolean {
    self->priv->state.emplace();
    return TRUE;
  });
}

static gboolean gst_broadcast_overlay_stop(GstBaseTransform *trans) noexcept {
  auto *self = GST_BROADCAST_OVERLAY(trans);
  return onair::guarded_teardown(GST_ELEMENT_CAST(self), FALSE, [&]() -> gboolean {
    self->priv->state.reset();
    return TRUE;
  });
}

static void gst_broadcast_overlay_set_property(GObject *object, guint prop_id, const GValue *value,
                                               GParamSpec *pspec) noexcept {
  auto *self = GST_BROADCAST_OVERLAY(object);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    std::lock_guard lock(self->priv->lock);
    if (!ov::set_setting(self->priv->settings, prop_id, value))
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  });
}

static void gst_broadcast_overlay_get_property(GObject *object, guint prop_id, GValue *value,
                                               GParamSpec *pspec) noexcept {
  auto *self = GST_BROADCAST_OVERLAY(object);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    std::lock_guard lock(self->priv->lock);
    switch (prop_id) {
      case PROP_CHAT_COUNT:
        g_value_set_uint(value, static_cast<guint>(self->priv->commands.chat_count()));
        break;
      case PROP_ALERTS_QUEUED:
        g_value_set_uint(value, static_cast<guint>(self->priv->commands.alerts_waiting()));
        break;
      default:
        if (!ov::get_setting(self->priv->settings, prop_id, value))
          G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
  });
}

static void gst_broadcast_overlay_finalize(GObject *object) noexcept {
  onair::guarded_teardown(GST_ELEMENT(object), [&] { delete GST_BROADCAST_OVERLAY(object)->priv; });
  G_OBJECT_CLASS(gst_broadcast_overlay_parent_class)->finalize(object);
}

static void gst_broadcast_overlay_init(GstBroadcastOverlay *self) {
  self->priv = new Priv();
}

static void gst_broadcast_overlay_class_init(GstBroadcastOverlayClass *klass) {
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  auto *filter_class = GST_VIDEO_FILTER_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(broadcast_overlay_debug, "broadcastoverlay", 0,
                          "Chat, alerts, status and logo overlay");

  gobject_class->set_property = gst_broadcast_overlay_set_property;
  gobject_class->get_property = gst_broadcast_overlay_get_property;
  gobject_class->finalize = gst_broadcast_overlay_finalize;

  ov::install_settings_properties(gobject_class);
  const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_CHAT_COUNT,
      g_param_spec_uint("chat-count", "Chat count", "Chat messages on screen or arriving", 0,
                        G_MAXUINT, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_ALERTS_QUEUED,
      g_param_spec_uint(
          "alerts-queued", "Alerts queued",
          "Alerts showing or waiting their turn (also those not yet taken by a frame)", 0,
          G_MAXUINT, 0, ro));

  /**
   * GstBroadcastOverlay::add-chat:
   * @user: the user name, drawn in @color
   * @text: the message (at most 500 characters; longer text is cut)
   * @color: "#rgb", "#rrggbb" or a colour name; empty: one picked from the name
   *
   * Shows a chat message from the next frame on. Returns %FALSE for empty
   * text or a colour it cannot read.
   */
  signals[SIGNAL_ADD_CHAT] = g_signal_new_class_handler(
      "add-chat", G_TYPE_FROM_CLASS(klass),
      static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION), G_CALLBACK(add_chat), nullptr,
      nullptr, nullptr, G_TYPE_BOOLEAN, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * GstBroadcastOverlay::add-alert:
   * @text: the alert (at most 200 characters)
   * @type: "info", "success", "warning" or "error" (empty: info)
   * @duration: running time in ns it stays; 0: #GstBroadcastOverlay:alert-duration
   *
   * Queues an alert; it shows when the ones before it are done. Returns
   * %FALSE for empty text, an unknown type or a full queue (100).
   */
  signals[SIGNAL_ADD_ALERT] = g_signal_new_class_handler(
      "add-alert", G_TYPE_FROM_CLASS(klass),
      static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION), G_CALLBACK(add_alert),
      nullptr, nullptr, nullptr, G_TYPE_BOOLEAN, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT64);
  /**
   * GstBroadcastOverlay::clear-chat:
   *
   * Removes every chat message from the next frame on, those still waiting
   * for a frame too.
   */
  signals[SIGNAL_CLEAR_CHAT] =
      g_signal_new_class_handler("clear-chat", G_TYPE_FROM_CLASS(klass),
                                 static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
                                 G_CALLBACK(clear_chat), nullptr, nullptr, nullptr, G_TYPE_NONE, 0);
  /**
   * GstBroadcastOverlay::clear-alerts:
   *
   * Removes the alert on screen and every queued one from the next frame on,
   * those still waiting for a frame too. No "done" message is posted for
   * them.
   */
  signals[SIGNAL_CLEAR_ALERTS] = g_signal_new_class_handler(
      "clear-alerts", G_TYPE_FROM_CLASS(klass),
      static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION), G_CALLBACK(clear_alerts),
      nullptr, nullptr, nullptr, G_TYPE_NONE, 0);

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "Broadcast overlay", "Filter/Editor/Video",
      "Draws chat messages, queued alerts, a status line and a logo on live video. Action "
      "signals: add-chat (user, text, colour) -> bool; add-alert (text, type, duration ns) -> "
      "bool; clear-chat (every chat message goes); clear-alerts (the alert shown and the queued "
      "ones go). Posts 'broadcastoverlay-alert' (event shown|done, text, "
      "type, running-time, queued). Example: gst-launch-1.0 videotestsrc is-live=true ! "
      "broadcastoverlay status=\"LIVE {time}\" ! videoconvert ! autovideosink",
      "onair developers");

  trans_class->start = gst_broadcast_overlay_start;
  trans_class->stop = gst_broadcast_overlay_stop;
  filter_class->set_info = gst_broadcast_overlay_set_info;
  filter_class->transform_frame_ip = gst_broadcast_overlay_transform_frame_ip;
}
