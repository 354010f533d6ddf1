/**
 * SECTION:element-sdisrc
 * @title: sdisrc
 *
 * A live source of one SDI port of one capture card, with a `video` and an `audio` pad, for
 * both card families behind one health model (`backend`):
 *
 * - DELTACAST: sdivideosrc inside loads VideoMaster (libvideomasterhd.so, or the file named in
 *   $ONAIR_VIDEOMASTER_LIBRARY) at run time; the audio pad carries the port's embedded audio
 *   (`audio-channels` of SDI's 16), one buffer covering exactly each video frame's span,
 *   silence where the frame carried none (no signal, fillers). Busy or vanished cards are
 *   reopened after a growing delay.
 * - DeckLink: GStreamer's own decklinkvideosrc and decklinkaudiosrc (Blackmagic's
 *   libDeckLinkAPI.so), the card's embedded audio on the audio pad (2, 8 or 16 channels).
 *   DeckLink devices have one input each: `device` is decklinkvideosrc's device-number,
 *   `port` is 0. They run in a pipeline of their own: an input held by another application, or
 *   a device that goes away (an error, or frames no longer coming for a second), is closed and
 *   opened again after a growing delay while fillers and silence keep sdisrc's pads going.
 * - auto: DELTACAST when it has card `device`, else DeckLink when it has that input.
 *
 * Caps follow the incoming mode or a fixed one; while there is no signal or no card, fillers
 * (`no-signal`: slate or black) keep the timestamps going at the last mode's rate, or the fixed
 * one's (nothing with `no-signal=drop`, nor with `mode=auto` before any mode was seen). Messages
 * `sdisrc-signal`, `sdisrc-format`, `sdisrc-error` (sdisrc_messages.h), from sdivideosrc
 * (DELTACAST) or from sdisrc itself (DeckLink).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m sdisrc name=sdi device=0 port=1 sdi.video ! videoconvert ! autovideosink
 *   sdi.audio ! audioconvert ! autoaudiosink
 * ]|
 */
#include "gstsdisrc.h"

#include <gst/app/gstappsrc.h>
#include <gst/audio/audio.h>
#include <gst/video/video.h>

#include <algorithm>
#include <memory>

#include "core/deltacast_backend.h"
#include "decklink_family.h"
#include "onair/guard.h"
#include "sdi_family.h"
#include "sdi_glue.h"
#include "sdi_video_src.h"

GST_DEBUG_CATEGORY_STATIC(sdi_src_debug);
#define GST_CAT_DEFAULT sdi_src_debug

namespace {

constexpr int kAudioRate = 48000;  // SDI embedded audio's rate
constexpr guint kDefaultAudioChannels = 2;

enum { PROP_AUDIO_CHANNELS = GST_SDI_VIDEO_SRC_LAST_PROPERTY + 1 };

GstStaticPadTemplate video_template = GST_STATIC_PAD_TEMPLATE(
    "video", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("video/x-raw, format = (string) { UYVY, v210 }, width = (int) [ 1, MAX ], "
                    "height = (int) [ 1, MAX ], framerate = (fraction) [ 0/1, MAX ], "
                    "interlace-mode = (string) { progressive, interleaved }"));
GstStaticPadTemplate audio_template = GST_STATIC_PAD_TEMPLATE(
    "audio", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("audio/x-raw, format = (string) S16LE, layout = (string) interleaved, "
                    "rate = (int) 48000, channels = (int) [ 1, 16 ]"));

}  // namespace

struct _GstSdiSrc {
  GstBin parent;
  // sdivideosrc and appsrc: the DELTACAST family's elements, kept while the bin is in NULL
  // because sdivideosrc holds the port's properties.
  GstElement *video;
  GstElement *audio;
  GstPad *video_pad;  // the ghost pads
  GstPad *audio_pad;
  guint audio_channels;
  onair::sdi::SdiFamily *family;  // the card family in use, from NULL to READY and back
};

G_DEFINE_TYPE(GstSdiSrc, gst_sdi_src, GST_TYPE_BIN)
GST_ELEMENT_REGISTER_DEFINE(sdisrc, "sdisrc", GST_RANK_NONE, GST_TYPE_SDI_SRC)

namespace {

GstCaps *audio_caps(guint channels) {
  GstAudioInfo info;
  gst_audio_info_set_format(&info, GST_AUDIO_FORMAT_S16LE, kAudioRate, static_cast<gint>(channels),
                            nullptr);
  return gst_audio_info_to_caps(&info);
}

guint64 sample_at(GstClockTime time) {
  return gst_util_uint64_scale_round(time, kAudioRate, GST_SECOND);
}

// Copies the frame's embedded audio into `out` (`samples` long, already silent) from its
// start: a frame that carried fewer samples than its span leaves silence at the end (padded,
// never shifted), one that carried more loses the surplus, so every buffer stays on its frame.
void copy_embedded_audio(GstSdiSrc *self, GstBuffer *frame, GstBuffer *out, guint64 samples) {
  GstBuffer *audio = onair::sdi::embedded_audio(frame);
  if (!audio) return;
  const GstAudioMeta *meta = gst_buffer_get_audio_meta(audio);
  if (!meta || GST_AUDIO_INFO_CHANNELS(&meta->info) != static_cast<gint>(self->audio_channels)) {
    // audio-channels changed since the capture started: silence until it restarts.
    GST_DEBUG_OBJECT(self, "embedded audio with other channels than the pad's: silence");
    return;
  }
  const gsize bytes = std::min<guint64>(meta->samples, samples) * GST_AUDIO_INFO_BPF(&meta->info);
  GstMapInfo map;
  if (!gst_buffer_map(audio, &map, GST_MAP_READ)) return;
  gst_buffer_fill(out, 0, map.data, std::min(bytes, map.size));
  gst_buffer_unmap(audio, &map);
}

// The audio over exactly the frame's span, in samples counted from running time 0, so it is as
// continuous as the video (fillers included) and never drifts from it: the frame's embedded
// audio, silence where it has none (no signal, no audio asked for or to be had).
void push_audio(GstSdiSrc *self, GstBuffer *frame) {
  if (!GST_BUFFER_PTS_IS_VALID(frame) || !GST_BUFFER_DURATION_IS_VALID(frame)) return;
  const guint64 first = sample_at(GST_BUFFER_PTS(frame));
  const guint64 end = sample_at(GST_BUFFER_PTS(frame) + GST_BUFFER_DURATION(frame));
  if (end <= first) return;
  const gsize bytes = (end - first) * self->audio_channels * sizeof(gint16);
  GstBuffer *audio = gst_buffer_new_allocate(nullptr, bytes, nullptr);
  gst_buffer_memset(audio, 0, 0, bytes);
  copy_embedded_audio(self, frame, audio, end - first);
  GST_BUFFER_PTS(audio) = gst_util_uint64_scale_int(first, GST_SECOND, kAudioRate);
  GST_BUFFER_DURATION(audio) =
      gst_util_uint64_scale_int(end, GST_SECOND, kAudioRate) - GST_BUFFER_PTS(audio);
  GST_BUFFER_OFFSET(audio) = first;
  GST_BUFFER_OFFSET_END(audio) = end;
  if (GST_BUFFER_FLAG_IS_SET(frame, GST_BUFFER_FLAG_DISCONT))
    GST_BUFFER_FLAG_SET(audio, GST_BUFFER_FLAG_DISCONT);
  gst_app_src_push_buffer(GST_APP_SRC(self->audio), audio);
}

// On the video's streaming thread: each frame gets its audio; new video caps set the audio
// latency to the video's (the audio goes out with the frame it covers).
GstPadProbeReturn on_video(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *self = GST_SDI_SRC(data);
  onair::guarded(GST_ELEMENT(self), [&] {
    if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
      // Nobody listens on an unlinked audio pad; pushing would only end in not-linked.
      if (self->audio_pad && gst_pad_is_linked(self->audio_pad))
        push_audio(self, GST_PAD_PROBE_INFO_BUFFER(info));
      return;
    }
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return;
    GstCaps *caps = nullptr;
    gst_event_parse_caps(event, &caps);
    GstVideoInfo video;
    if (gst_video_info_from_caps(&video, caps) && video.fps_n > 0) {
      const auto frame =
          static_cast<gint64>(gst_util_uint64_scale_int(GST_SECOND, video.fps_d, video.fps_n));
      if (self->audio) g_object_set(self->audio, "min-latency", frame, nullptr);
    }
  });
  return GST_PAD_PROBE_OK;
}

void set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec) {
  auto *self = GST_SDI_SRC(object);
  onair::guarded(GST_ELEMENT(self), [&] {
    if (id <= GST_SDI_VIDEO_SRC_LAST_PROPERTY) {
      g_object_set_property(G_OBJECT(self->video), pspec->name, value);
    } else if (id == PROP_AUDIO_CHANNELS) {
      GST_OBJECT_LOCK(self);
      self->audio_channels = g_value_get_uint(value);
      GST_OBJECT_UNLOCK(self);
      // The capture takes as many channels from the card, from its next start.
      g_object_set(self->video, "audio-channels", self->audio_channels, nullptr);
      GstCaps *caps = audio_caps(self->audio_channels);
      if (self->audio) g_object_set(self->audio, "caps", caps, nullptr);
      gst_caps_unref(caps);
    } else {
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
  });
}

void get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  auto *self = GST_SDI_SRC(object);
  onair::guarded(GST_ELEMENT(self), [&] {
    if (id <= GST_SDI_VIDEO_SRC_LAST_PROPERTY) {
      g_object_get_property(G_OBJECT(self->video), pspec->name, value);
    } else if (id == PROP_AUDIO_CHANNELS) {
      GST_OBJECT_LOCK(self);
      g_value_set_uint(value, self->audio_channels);
      GST_OBJECT_UNLOCK(self);
    } else {
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
  });
}

// DELTACAST: sdivideosrc (our VideoMaster backend) and an appsrc for the embedded audio
// sdivideosrc hands over with each frame.
class DeltacastFamily final : public onair::sdi::SdiFamily {
 public:
  explicit DeltacastFamily(GstSdiSrc *self) : self_(self) {}
  bool attach(GstBin *bin, GstPad **video, GstPad **audio) override {
    if (!self_->audio) {
      GST_ELEMENT_ERROR(self_, CORE, MISSING_PLUGIN,
                        ("sdisrc needs the appsrc element (gst-plugins-base) for its audio pad"),
                        (nullptr));
      return false;
    }
    gst_bin_add_many(bin, self_->video, self_->audio, nullptr);
    *video = gst_element_get_static_pad(self_->video, "src");
    *audio = gst_element_get_static_pad(self_->audio, "src");
    return true;
  }
  void detach(GstBin *bin) override {
    gst_bin_remove(bin, self_->video);
    gst_bin_remove(bin, self_->audio);
  }

 private:
  GstSdiSrc *self_;
};

onair::sdi::PortSettings port_settings(GstSdiSrc *self) {
  onair::sdi::PortSettings settings;
  gchar *mode = nullptr;
  gchar *no_signal = nullptr;
  g_object_get(self->video, "device", &settings.device, "port", &settings.port, "mode", &mode,
               "no-signal", &no_signal, nullptr);
  settings.mode = mode ? mode : "auto";
  settings.no_signal = no_signal ? no_signal : "slate";
  g_free(mode);
  g_free(no_signal);
  GST_OBJECT_LOCK(self);
  settings.audio_channels = self->audio_channels;
  GST_OBJECT_UNLOCK(self);
  return settings;
}

bool deltacast_has_board(unsigned board) {
  auto loaded = onair::sdi::VideoMasterLibrary::load();
  auto *library = std::get_if<std::shared_ptr<const onair::sdi::VideoMasterLibrary>>(&loaded);
  if (!library) return false;
  auto boards = onair::sdi::list_deltacast_boards(**library);
  auto *list = std::get_if<std::vector<onair::sdi::DeltacastBoard>>(&boards);
  return list && std::ranges::any_of(*list, [&](const auto &b) { return b.index == board; });
}

bool decklink_has_device(unsigned number) {
  return std::ranges::any_of(onair::sdi::list_decklink_devices(),
                             [&](const auto &d) { return d.number == number; });
}

// The family for the `backend` property. auto: DELTACAST when it has the card (our own
// backend), else DeckLink when it has it, else DELTACAST, whose errors then say what is missing.
std::unique_ptr<onair::sdi::SdiFamily> choose_family(GstSdiSrc *self,
                                                     const onair::sdi::PortSettings &settings) {
  gint backend = GST_SDI_SRC_BACKEND_AUTO;
  g_object_get(self->video, "backend", &backend, nullptr);
  if (backend == GST_SDI_SRC_BACKEND_AUTO)
    backend = !deltacast_has_board(settings.device) && decklink_has_device(settings.device)
                  ? GST_SDI_SRC_BACKEND_DECKLINK
                  : GST_SDI_SRC_BACKEND_DELTACAST;
  if (backend == GST_SDI_SRC_BACKEND_DECKLINK)
    return onair::sdi::make_decklink_family(GST_ELEMENT(self), settings);
  return std::make_unique<DeltacastFamily>(self);
}

void drop_family(GstSdiSrc *self) {
  if (!self->family) return;
  gst_ghost_pad_set_target(GST_GHOST_PAD(self->video_pad), nullptr);
  gst_ghost_pad_set_target(GST_GHOST_PAD(self->audio_pad), nullptr);
  self->family->detach(GST_BIN(self));
  delete self->family;
  self->family = nullptr;
}

bool take_family(GstSdiSrc *self) {
  const onair::sdi::PortSettings settings = port_settings(self);
  std::unique_ptr<onair::sdi::SdiFamily> family = choose_family(self, settings);
  GstPad *video = nullptr;
  GstPad *audio = nullptr;
  if (!family->attach(GST_BIN(self), &video, &audio)) return false;
  self->family = family.release();
  gst_ghost_pad_set_target(GST_GHOST_PAD(self->video_pad), video);
  gst_ghost_pad_set_target(GST_GHOST_PAD(self->audio_pad), audio);
  gst_object_unref(video);
  gst_object_unref(audio);
  return true;
}

GstStateChangeReturn change_state(GstElement *element, GstStateChange transition) {
  auto *self = GST_SDI_SRC(element);
  return onair::guarded_state_change(element, transition, [&] {
    if (transition == GST_STATE_CHANGE_NULL_TO_READY && !take_family(self))
      return GST_STATE_CHANGE_FAILURE;
    if (transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED && self->family)
      self->family->set_playing(false);
    const GstStateChangeReturn result =
        GST_ELEMENT_CLASS(gst_sdi_src_parent_class)->change_state(element, transition);
    if (transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING && result != GST_STATE_CHANGE_FAILURE &&
        self->family)
      self->family->set_playing(true);
    if (transition == GST_STATE_CHANGE_READY_TO_NULL ||
        (transition == GST_STATE_CHANGE_NULL_TO_READY && result == GST_STATE_CHANGE_FAILURE))
      drop_family(self);
    return result;
  });
}

GstPad *add_ghost_pad(GstSdiSrc *self, const char *name) {
  GstPad *ghost = gst_ghost_pad_new_no_target_from_template(
      name, gst_element_class_get_pad_template(GST_ELEMENT_GET_CLASS(self), name));
  gst_element_add_pad(GST_ELEMENT(self), ghost);
  return ghost;
}

void dispose(GObject *object) {
  auto *self = GST_SDI_SRC(object);
  onair::guarded_teardown(GST_ELEMENT(self), [&] {
    delete self->family;
    self->family = nullptr;
    if (self->video) gst_object_unref(self->video);
    if (self->audio) gst_object_unref(self->audio);
    self->video = self->audio = nullptr;
  });
  G_OBJECT_CLASS(gst_sdi_src_parent_class)->dispose(object);
}

}  // namespace

static void gst_sdi_src_init(GstSdiSrc *self) {
  self->audio_channels = kDefaultAudioChannels;
  self->family = nullptr;
  self->video_pad = add_ghost_pad(self, "video");
  self->audio_pad = add_ghost_pad(self, "audio");
  self->video = GST_ELEMENT(gst_object_ref_sink(g_object_new(
      GST_TYPE_SDI_VIDEO_SRC, "name", "video", "audio-channels", self->audio_channels, nullptr)));
  GstPad *video_src = gst_element_get_static_pad(self->video, "src");
  gst_pad_add_probe(
      video_src,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      on_video, self, nullptr);
  gst_object_unref(video_src);

  // appsrc comes with gst-plugins-base; without it the DELTACAST family refuses to start.
  self->audio = gst_element_factory_make("appsrc", "audio");
  if (!self->audio) return;
  gst_object_ref_sink(self->audio);
  GstCaps *caps = audio_caps(self->audio_channels);
  g_object_set(self->audio, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", FALSE,
               "caps", caps, "max-bytes", static_cast<guint64>(0), "block", FALSE, nullptr);
  gst_caps_unref(caps);
}

static void gst_sdi_src_class_init(GstSdiSrcClass *klass) {
  GST_DEBUG_CATEGORY_INIT(sdi_src_debug, "sdisrc", 0, "SDI capture card source");
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
  gobject_class->dispose = dispose;
  element_class->change_state = change_state;
  gst_sdi_video_src_install_port_properties(gobject_class);
  g_object_class_install_property(
      gobject_class, PROP_AUDIO_CHANNELS,
      g_param_spec_uint("audio-channels", "Audio channels", "Channels of the audio pad", 1, 16,
                        kDefaultAudioChannels,
                        static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                 GST_PARAM_MUTABLE_READY)));
  gst_element_class_add_static_pad_template(element_class, &video_template);
  gst_element_class_add_static_pad_template(element_class, &audio_template);
  gst_element_class_set_static_metadata(
      element_class, "SDI source", "Video/Source/Hardware",
      "One SDI port of a DELTACAST or DeckLink card, video and audio; keeps timestamps going "
      "without signal; messages sdisrc-signal, sdisrc-format, sdisrc-error",
      "onair");
}
