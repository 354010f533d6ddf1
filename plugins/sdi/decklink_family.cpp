#include "decklink_family.h"

#include <dlfcn.h>
#include <gst/video/video.h>

#include <algorithm>
#include <mutex>
#include <optional>

#include "core/decklink_modes.h"
#include "core/no_signal_timeline.h"
#include "core/signal_health.h"
#include "onair/guard.h"
#include "sdi_glue.h"

namespace onair::sdi {
namespace {

// Blackmagic's driver library, which GStreamer's decklink plugin dlopens by this name.
constexpr char kDeckLinkLibrary[] = "libDeckLinkAPI.so";
// DeckLink cards give 2, 8 or 16 embedded channels (decklinkaudiosrc's `channels`).
constexpr unsigned kDecklinkChannelCounts[] = {2, 8, 16};

int64_t monotonic_now() {
  return g_get_monotonic_time() * 1000;
}

// GStreamer's decklink plugin loads the driver when it first lists devices; once it has, the
// library is in the process (RTLD_NOLOAD finds it without loading anything).
bool driver_loaded() {
  void *handle = dlopen(kDeckLinkLibrary, RTLD_LAZY | RTLD_NOLOAD);
  if (handle) dlclose(handle);
  return handle != nullptr;
}

class DecklinkFamily final : public SdiFamily {
 public:
  DecklinkFamily(GstElement *owner, const PortSettings &settings)
      // GStreamer's elements do not reopen a card: the first failure is final.
      : owner_(owner), settings_(settings), health_(RetryPolicy{.max_attempts = 1}) {}

  bool attach(GstBin *bin, GstPad **video, GstPad **audio) override {
    const ModeRequestParse mode = parse_mode_request(settings_.mode);
    const NoSignalPolicyParse policy = parse_no_signal_policy(settings_.no_signal);
    if (!mode.request || !policy.policy) {
      GST_ELEMENT_ERROR(owner_, RESOURCE, SETTINGS,
                        ("%s", (mode.request ? policy.error : mode.error).c_str()), (nullptr));
      return false;
    }
    policy_ = *policy.policy;
    if (std::ranges::find(kDecklinkChannelCounts, settings_.audio_channels) ==
        std::end(kDecklinkChannelCounts)) {
      GST_ELEMENT_ERROR(
          owner_, RESOURCE, SETTINGS,
          ("DeckLink cards give 2, 8 or 16 audio channels, not %u", settings_.audio_channels),
          (nullptr));
      return false;
    }
    if (!find_device()) return false;

    video_src_ = gst_element_factory_make("decklinkvideosrc", "video");
    audio_src_ = gst_element_factory_make("decklinkaudiosrc", "audio");
    if (!video_src_ || !audio_src_) {
      GST_ELEMENT_ERROR(owner_, CORE, MISSING_PLUGIN,
                        ("The DeckLink backend needs GStreamer's decklink plugin "
                         "(gst-plugins-bad)"),
                        (nullptr));
      if (video_src_) gst_object_unref(video_src_);
      if (audio_src_) gst_object_unref(audio_src_);
      video_src_ = audio_src_ = nullptr;
      return false;
    }
    // drop: the card's frames without signal never leave decklinkvideosrc (nor their audio).
    g_object_set(video_src_, "device-number", static_cast<gint>(settings_.device),
                 "drop-no-signal-frames", policy_ == NoSignalPolicy::drop, nullptr);
    gst_util_set_object_arg(
        G_OBJECT(video_src_), "mode",
        mode.request->fixed ? decklink_mode_nick(*mode.request->fixed).c_str() : "auto");
    g_object_set(audio_src_, "device-number", static_cast<gint>(settings_.device), nullptr);
    gst_util_set_object_arg(G_OBJECT(audio_src_), "channels",
                            std::to_string(settings_.audio_channels).c_str());
    // sdisrc's audio is S16LE: decklinkaudiosrc asks the card for it when downstream says so.
    audio_format_ = gst_element_factory_make("capsfilter", "audio-format");
    GstCaps *s16 = gst_caps_from_string("audio/x-raw, format = (string) S16LE");
    g_object_set(audio_format_, "caps", s16, nullptr);
    gst_caps_unref(s16);
    gst_bin_add_many(bin, video_src_, audio_src_, audio_format_, nullptr);
    gst_element_link(audio_src_, audio_format_);

    *video = gst_element_get_static_pad(video_src_, "src");
    *audio = gst_element_get_static_pad(audio_format_, "src");
    gst_pad_add_probe(*video,
                      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER |
                                                   GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                      on_video, this, nullptr);
    g_signal_connect(video_src_, "notify::signal", G_CALLBACK(on_signal_notify), this);
    post(health_.opened());
    return true;
  }

  void detach(GstBin *bin) override {
    for (GstElement **element : {&video_src_, &audio_src_, &audio_format_}) {
      if (!*element) continue;
      g_signal_handlers_disconnect_by_data(*element, this);
      gst_bin_remove(bin, *element);
      *element = nullptr;
    }
    std::lock_guard lock(mutex_);
    if (black_) gst_buffer_unref(black_);
    black_ = nullptr;
  }

  // GStreamer's decklinkvideosrc reports an input it could not enable (another application
  // holds it) only as a failed stream before the first frame; later, a stream error means the
  // card went away.
  void child_message(GstMessage *message) override {
    if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ERROR) return;
    if (GST_MESSAGE_SRC(message) != GST_OBJECT(video_src_) &&
        GST_MESSAGE_SRC(message) != GST_OBJECT(audio_src_))
      return;
    GError *error = nullptr;
    gchar *debug = nullptr;
    gst_message_parse_error(message, &error, &debug);
    std::string detail = error->message;
    if (debug) detail += std::string(" (") + debug + ")";
    g_error_free(error);
    g_free(debug);
    std::optional<HealthMessage> event;
    {
      std::lock_guard lock(mutex_);
      if (frames_seen_)
        event = health_.failed(ErrorKind::gone, detail, monotonic_now());
      else
        event = health_.failed(ErrorKind::busy,
                               "the DeckLink input could not be enabled (held by another "
                               "application?): " +
                                   detail,
                               monotonic_now());
    }
    post(event);
  }

  ~DecklinkFamily() override {
    if (black_) gst_buffer_unref(black_);
  }

 private:
  // The device must be one DeckLink input (DeckLink devices have one input each: port 0).
  bool find_device() {
    const std::vector<DecklinkDevice> devices = list_decklink_devices();
    const bool found = settings_.port == 0 && std::ranges::any_of(devices, [&](const auto &d) {
                         return d.number == settings_.device;
                       });
    if (found) return true;
    const bool library = driver_loaded();
    const ErrorKind kind = library ? ErrorKind::not_found : ErrorKind::library_missing;
    const std::string detail = library ? "no DeckLink device " + std::to_string(settings_.device) +
                                             " input " + std::to_string(settings_.port) + " (" +
                                             std::to_string(devices.size()) +
                                             " DeckLink inputs found; each has port 0 only)"
                                       : std::string(kDeckLinkLibrary) + " is not installed";
    post(health_.failed(kind, detail, monotonic_now()));
    if (library)
      GST_ELEMENT_ERROR(owner_, RESOURCE, NOT_FOUND, ("%s", detail.c_str()), (nullptr));
    else
      GST_ELEMENT_ERROR(owner_, LIBRARY, INIT,
                        ("Blackmagic's DeckLink driver (%s) could not be loaded: install "
                         "Desktop Video",
                         kDeckLinkLibrary),
                        (nullptr));
    return false;
  }

  void post(const std::optional<HealthMessage> &message) { post_health(owner_, message); }

  // The streaming thread of decklinkvideosrc: its caps give the mode, its GAP flag the
  // no-signal frames (the same flag that drives its `signal` property).
  static GstPadProbeReturn on_video(GstPad *, GstPadProbeInfo *info, gpointer data) {
    auto *self = static_cast<DecklinkFamily *>(data);
    GstPadProbeReturn result = GST_PAD_PROBE_OK;
    onair::guarded(self->owner_, [&] {
      if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
        GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
        if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
          GstCaps *caps = nullptr;
          gst_event_parse_caps(event, &caps);
          self->caps_changed(caps);
        }
        return;
      }
      GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
      if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_GAP)) {
        self->post(self->lost());
        GstBuffer *filler = self->no_signal_frame(buffer);
        if (!filler) {
          result = GST_PAD_PROBE_DROP;
          return;
        }
        gst_buffer_unref(buffer);
        GST_PAD_PROBE_INFO_DATA(info) = filler;
        return;
      }
      std::optional<HealthMessage> event;
      {
        std::lock_guard lock(self->mutex_);
        self->frames_seen_ = true;
        if (self->mode_) event = self->health_.signal_locked(*self->mode_);
      }
      self->post(event);
    });
    return result;
  }

  static void on_signal_notify(GObject *object, GParamSpec *, gpointer data) {
    auto *self = static_cast<DecklinkFamily *>(data);
    gboolean signal = TRUE;
    g_object_get(object, "signal", &signal, nullptr);
    if (!signal) self->post(self->lost());
  }

  std::optional<HealthMessage> lost() {
    std::lock_guard lock(mutex_);
    return health_.signal_lost();
  }

  void caps_changed(GstCaps *caps) {
    GstVideoInfo info;
    if (!gst_video_info_from_caps(&info, caps)) return;
    std::lock_guard lock(mutex_);
    info_ = info;
    mode_ = find_sdi_mode(GST_VIDEO_INFO_WIDTH(&info), GST_VIDEO_INFO_HEIGHT(&info),
                          GST_VIDEO_INFO_FPS_N(&info), GST_VIDEO_INFO_FPS_D(&info),
                          GST_VIDEO_INFO_IS_INTERLACED(&info));
    if (black_) gst_buffer_unref(black_);
    black_ = nullptr;
  }

  // The no-signal policy, in one place: what goes out instead of a frame the card flagged as
  // having no input (null: nothing).
  GstBuffer *no_signal_frame(GstBuffer *card_frame) {
    if (policy_ == NoSignalPolicy::drop) return nullptr;
    std::lock_guard lock(mutex_);
    if (!info_) return gst_buffer_ref(card_frame);
    if (!black_)
      black_ = filler_frame(*info_, policy_, "DeckLink device " + std::to_string(settings_.device));
    GstBuffer *filler = gst_buffer_copy(black_);  // shares the filler's memory
    gst_buffer_copy_into(
        filler, card_frame,
        static_cast<GstBufferCopyFlags>(GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_TIMESTAMPS |
                                        GST_BUFFER_COPY_META),
        0, static_cast<gsize>(-1));
    return filler;
  }

  GstElement *owner_;
  PortSettings settings_;
  NoSignalPolicy policy_ = NoSignalPolicy::black;
  GstElement *video_src_ = nullptr;  // owned by the bin
  GstElement *audio_src_ = nullptr;
  GstElement *audio_format_ = nullptr;

  std::mutex mutex_;  // guards what follows; never held while posting
  SignalHealth health_;
  bool frames_seen_ = false;
  std::optional<GstVideoInfo> info_;
  const SdiMode *mode_ = nullptr;
  GstBuffer *black_ = nullptr;  // the no-signal frame (black or slate) of info_
};

}  // namespace

std::vector<DecklinkDevice> list_decklink_devices() {
  std::vector<DecklinkDevice> found;
  GstDeviceProvider *provider = gst_device_provider_factory_get_by_name("decklinkdeviceprovider");
  if (!provider) return found;
  GList *devices = gst_device_provider_get_devices(provider);
  for (GList *l = devices; l; l = l->next) {
    GstDevice *device = GST_DEVICE(l->data);
    if (!gst_device_has_classes(device, "Video/Source/Hardware")) continue;
    GstStructure *properties = gst_device_get_properties(device);
    DecklinkDevice entry;
    guint number = 0;
    if (properties && gst_structure_get_uint(properties, "device-number", &number)) {
      entry.number = number;
      const char *model = gst_structure_get_string(properties, "model-name");
      const char *name = gst_structure_get_string(properties, "display-name");
      entry.model = model ? model : "";
      entry.display_name = name ? name : "";
      found.push_back(entry);
    }
    if (properties) gst_structure_free(properties);
  }
  g_list_free_full(devices, gst_object_unref);
  gst_object_unref(provider);
  return found;
}

std::unique_ptr<SdiFamily> make_decklink_family(GstElement *owner, const PortSettings &settings) {
  return std::make_unique<DecklinkFamily>(owner, settings);
}

}  // namespace onair::sdi
