/**
 * SECTION:element-sdisrc
 * @title: sdisrc
 *
 * A live source of one SDI port of one capture card, with a `video` and an `audio` pad. The
 * video comes from sdivideosrc inside (the DELTACAST backend loads VideoMaster,
 * libvideomasterhd.so or the file named in $ONAIR_VIDEOMASTER_LIBRARY, at run time; DeckLink
 * is not available yet). Caps follow the incoming mode or a fixed one; while there is no
 * signal, black frames keep the timestamps going (or nothing with `no-signal=drop`). The
 * audio pad carries silence covering exactly each video frame's span, so muxers and encoders
 * get sound at the video's pace whatever the cable does; the card's embedded audio is still
 * to come. Messages `sdisrc-signal`, `sdisrc-format`, `sdisrc-error` (sdisrc_messages.h).
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

#include "onair/guard.h"
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
  GstElement *video;  // sdivideosrc, owned by the bin
  GstElement *audio;  // appsrc, owned by the bin
  GstPad *audio_pad;  // the ghost pad
  guint audio_channels;
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

// Silence over exactly the frame's span, in samples counted from running time 0, so the audio
// is as continuous as the video (black fillers included) and never drifts from it.
void push_silence(GstSdiSrc *self, GstBuffer *frame) {
  if (!GST_BUFFER_PTS_IS_VALID(frame) || !GST_BUFFER_DURATION_IS_VALID(frame)) return;
  const guint64 first = sample_at(GST_BUFFER_PTS(frame));
  const guint64 end = sample_at(GST_BUFFER_PTS(frame) + GST_BUFFER_DURATION(frame));
  if (end <= first) return;
  const gsize bytes = (end - first) * self->audio_channels * sizeof(gint16);
  GstBuffer *silence = gst_buffer_new_allocate(nullptr, bytes, nullptr);
  gst_buffer_memset(silence, 0, 0, bytes);
  GST_BUFFER_PTS(silence) = gst_util_uint64_scale_int(first, GST_SECOND, kAudioRate);
  GST_BUFFER_DURATION(silence) =
      gst_util_uint64_scale_int(end, GST_SECOND, kAudioRate) - GST_BUFFER_PTS(silence);
  GST_BUFFER_OFFSET(silence) = first;
  GST_BUFFER_OFFSET_END(silence) = end;
  if (GST_BUFFER_FLAG_IS_SET(frame, GST_BUFFER_FLAG_DISCONT))
    GST_BUFFER_FLAG_SET(silence, GST_BUFFER_FLAG_DISCONT);
  gst_app_src_push_buffer(GST_APP_SRC(self->audio), silence);
}

// On the video's streaming thread: each frame gets its silence; new video caps set the audio
// latency to the video's (the silence goes out with the frame it covers).
GstPadProbeReturn on_video(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *self = GST_SDI_SRC(data);
  onair::guarded(GST_ELEMENT(self), [&] {
    if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
      // Nobody listens on an unlinked audio pad; pushing would only end in not-linked.
      if (self->audio_pad && gst_pad_is_linked(self->audio_pad))
        push_silence(self, GST_PAD_PROBE_INFO_BUFFER(info));
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

GstStateChangeReturn change_state(GstElement *element, GstStateChange transition) {
  auto *self = GST_SDI_SRC(element);
  return onair::guarded_state_change(element, transition, [&] {
    if (transition == GST_STATE_CHANGE_NULL_TO_READY && !self->audio) {
      GST_ELEMENT_ERROR(self, CORE, MISSING_PLUGIN,
                        ("sdisrc needs the appsrc element (gst-plugins-base) for its audio pad"),
                        (nullptr));
      return GST_STATE_CHANGE_FAILURE;
    }
    return GST_ELEMENT_CLASS(gst_sdi_src_parent_class)->change_state(element, transition);
  });
}

GstPad *add_ghost_pad(GstSdiSrc *self, GstElement *child, const char *name) {
  GstPad *target = gst_element_get_static_pad(child, "src");
  GstPad *ghost = gst_ghost_pad_new_from_template(
      name, target, gst_element_class_get_pad_template(GST_ELEMENT_GET_CLASS(self), name));
  gst_object_unref(target);
  gst_element_add_pad(GST_ELEMENT(self), ghost);
  return ghost;
}

}  // namespace

static void gst_sdi_src_init(GstSdiSrc *self) {
  self->audio_channels = kDefaultAudioChannels;
  self->video = GST_ELEMENT(g_object_new(GST_TYPE_SDI_VIDEO_SRC, "name", "video", nullptr));
  gst_bin_add(GST_BIN(self), self->video);
  add_ghost_pad(self, self->video, "video");
  GstPad *video_src = gst_element_get_static_pad(self->video, "src");
  gst_pad_add_probe(
      video_src,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      on_video, self, nullptr);
  gst_object_unref(video_src);

  // appsrc comes with gst-plugins-base; without it the bin refuses to start (change_state).
  self->audio = gst_element_factory_make("appsrc", "audio");
  if (!self->audio) return;
  GstCaps *caps = audio_caps(self->audio_channels);
  g_object_set(self->audio, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", FALSE,
               "caps", caps, "max-bytes", static_cast<guint64>(0), "block", FALSE, nullptr);
  gst_caps_unref(caps);
  gst_bin_add(GST_BIN(self), self->audio);
  self->audio_pad = add_ghost_pad(self, self->audio, "audio");
}

static void gst_sdi_src_class_init(GstSdiSrcClass *klass) {
  GST_DEBUG_CATEGORY_INIT(sdi_src_debug, "sdisrc", 0, "SDI capture card source");
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
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
      "One SDI port of a DELTACAST card, video and audio (silence for now); keeps timestamps "
      "going without signal; messages sdisrc-signal, sdisrc-format, sdisrc-error",
      "onair");
}
