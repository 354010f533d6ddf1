// A buffer may carry an alternative payload that a client can ask for instead of the buffer's
// own bytes, valid only if the client got the buffer the alternative is based on. asciienc
// outputs full seed frames and attaches the changed-cells frame; webstreamsink sends it to the
// clients that ask, without knowing what it is.
//
// The custom meta kMetaName holds a structure with:
//   kSequence  guint64    this buffer's number (consecutive buffers count up by one)
//   kFull      GstBuffer  the alternative that stands alone (always there)
//   kDelta     GstBuffer  the alternative relative to the buffer numbered kBase (optional)
//   kBase      guint64    with kDelta
// The caps announce the alternative stream's header in a string field named kHeaderPrefix
// followed by the header field's name ("alt-init" beside asciiline's "init"). An int field
// kCellBytes says the alternatives are asciiline changed-cells frames with cells of that many
// bytes: a sink may then make a delta between two full ones itself (onair/cell_runs.h), for
// a client that missed a delta's base.
#pragma once

#include <gst/gst.h>

#include <cstdint>

namespace onair::alt_payload {

inline constexpr char kMetaName[] = "OnairAltPayload";
inline constexpr char kSequence[] = "sequence";
inline constexpr char kFull[] = "full";
inline constexpr char kDelta[] = "delta";
inline constexpr char kBase[] = "base";
inline constexpr char kHeaderPrefix[] = "alt-";
inline constexpr char kCellBytes[] = "alt-cell-bytes";

// Call from plugin_init (plugins load one at a time); later calls do nothing.
inline void register_meta() {
  static const gchar *no_tags[] = {nullptr};  // kept through any transform
  if (!gst_meta_get_info(kMetaName))
    gst_meta_register_custom(kMetaName, no_tags, nullptr, nullptr, nullptr);
}

// Attaches the alternatives to `buffer` (which must be writable); `delta` may be null.
inline void attach(GstBuffer *buffer, uint64_t sequence, GstBuffer *full, GstBuffer *delta,
                   uint64_t base) {
  GstCustomMeta *meta = gst_buffer_add_custom_meta(buffer, kMetaName);
  GstStructure *s = gst_custom_meta_get_structure(meta);
  gst_structure_set(s, kSequence, G_TYPE_UINT64, guint64(sequence), kFull, GST_TYPE_BUFFER, full,
                    nullptr);
  if (delta)
    gst_structure_set(s, kDelta, GST_TYPE_BUFFER, delta, kBase, G_TYPE_UINT64, guint64(base),
                      nullptr);
}

// The alternatives of `buffer`, or null.
inline const GstStructure *find(GstBuffer *buffer) {
  if (!gst_meta_get_info(kMetaName)) return nullptr;
  GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, kMetaName);
  return meta ? gst_custom_meta_get_structure(meta) : nullptr;
}

}  // namespace onair::alt_payload
