#pragma once

#include <gst/audio/gstaudiofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_TTS_MIX (gst_tts_mix_get_type())
G_DECLARE_FINAL_TYPE(GstTtsMix, gst_tts_mix, GST, TTS_MIX, GstAudioFilter)

GST_ELEMENT_REGISTER_DECLARE(ttsmix);

G_END_DECLS
