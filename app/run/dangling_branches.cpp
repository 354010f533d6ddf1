#include "run/dangling_branches.h"

#include <cstring>

#include "run/elements.h"

namespace onair::app {

namespace {

// Demuxers and decoder bins: elements that expose their streams as
// "sometimes" pads and say when they have shown them all.
bool exposes_streams(GstElement *element) {
  GstElementFactory *factory = gst_element_get_factory(element);
  if (!factory) return false;
  const char *klass = gst_element_factory_get_metadata(factory, GST_ELEMENT_METADATA_KLASS);
  if (!klass || (!std::strstr(klass, "Demux") && !std::strstr(klass, "Decoder"))) return false;
  for (const GList *t = gst_element_factory_get_static_pad_templates(factory); t; t = t->next) {
    const auto *templ = static_cast<const GstStaticPadTemplate *>(t->data);
    if (templ->direction == GST_PAD_SRC && templ->presence == GST_PAD_SOMETIMES) return true;
  }
  return false;
}

}  // namespace

DanglingBranches::DanglingBranches(GstElement *pipeline)
    : pipeline_(GST_ELEMENT(gst_object_ref(pipeline))) {
  // The launch line's own decoders and demuxers, not those inside other bins.
  for_each_item(gst_bin_iterate_elements(GST_BIN(pipeline)), [&](gpointer object) {
    auto *element = GST_ELEMENT(object);
    if (exposes_streams(element))
      decoders_[GST_OBJECT_NAME(element)] = ElementPtr(GST_ELEMENT(gst_object_ref(element)));
  });
  waiting_ = static_cast<int>(decoders_.size());
  for (auto &[name, decoder] : decoders_)
    g_signal_connect(decoder.get(), "no-more-pads", G_CALLBACK(on_no_more_pads), this);
}

DanglingBranches::~DanglingBranches() {
  for (auto &[name, decoder] : decoders_) g_signal_handlers_disconnect_by_data(decoder.get(), this);
}

void DanglingBranches::on_no_more_pads(GstElement *, gpointer data) noexcept {
  auto *self = static_cast<DanglingBranches *>(data);
  // A decoder may announce this again (a new chain of a chained file): only
  // the moment the last one first does counts.
  if (self->waiting_.fetch_sub(1) == 1)
    gst_element_call_async(self->pipeline_.get(), &end_unlinked_branches, nullptr, nullptr);
}

// The pipeline's own elements (launch-line branches live at the top level)
// with an always-present sink pad that nothing feeds.
void DanglingBranches::end_unlinked_branches(GstElement *pipeline, gpointer) noexcept {
  for_each_item(gst_bin_iterate_elements(GST_BIN(pipeline)), [](gpointer object) {
    for_each_item(gst_element_iterate_sink_pads(GST_ELEMENT(object)), [](gpointer pad_object) {
      GstPad *pad = GST_PAD(pad_object);
      GstPadTemplate *templ = gst_pad_get_pad_template(pad);
      const bool always = !templ || GST_PAD_TEMPLATE_PRESENCE(templ) == GST_PAD_ALWAYS;
      if (templ) gst_object_unref(templ);
      if (!always || gst_pad_is_linked(pad)) return;
      GST_INFO_OBJECT(pad, "no decoder or demuxer stream feeds this branch: ending it");
      gchar *id = g_strdup_printf("%s/unfed", GST_OBJECT_NAME(GST_PAD_PARENT(pad)));
      gst_pad_send_event(pad, gst_event_new_stream_start(id));
      g_free(id);
      GstSegment segment;
      gst_segment_init(&segment, GST_FORMAT_TIME);
      gst_pad_send_event(pad, gst_event_new_segment(&segment));
      gst_pad_send_event(pad, gst_event_new_eos());
    });
  });
}

}  // namespace onair::app
