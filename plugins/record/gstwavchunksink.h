#pragma once

#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

#define GST_TYPE_WAV_CHUNK_SINK (gst_wav_chunk_sink_get_type())
G_DECLARE_FINAL_TYPE(GstWavChunkSink, gst_wav_chunk_sink, GST, WAV_CHUNK_SINK, GstBaseSink)

GST_ELEMENT_REGISTER_DECLARE(wavchunksink);

G_END_DECLS
