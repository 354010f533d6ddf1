#include "slate_picture.h"

#include <gst/app/gstappsink.h>

#include "core/slate_card.h"
#include "onair/gst_ptr.h"

namespace onair::slateswitch {

namespace {

GstBuffer *convert_card(const GstVideoInfo &info, const std::string &text) {
  const int width = GST_VIDEO_INFO_WIDTH(&info), height = GST_VIDEO_INFO_HEIGHT(&info);
  std::vector<uint8_t> card = failover::render_slate_card_bgra(width, height, text);
  GstVideoInfo card_info;
  gst_video_info_set_format(&card_info, GST_VIDEO_FORMAT_BGRA, width, height);
  card_info.colorimetry = info.colorimetry;
  card_info.fps_n = info.fps_n;
  card_info.fps_d = info.fps_d;
  card_info.par_n = info.par_n;
  card_info.par_d = info.par_d;
  GstVideoFrame in, out;
  GstBuffer *card_buffer = gst_buffer_new_wrapped_full(
      GST_MEMORY_FLAG_READONLY, card.data(), card.size(), 0, card.size(), nullptr, nullptr);
  GstBuffer *slate = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
  gst_video_frame_map(&in, &card_info, card_buffer, GST_MAP_READ);
  gst_video_frame_map(&out, const_cast<GstVideoInfo *>(&info), slate, GST_MAP_WRITE);
  GstVideoConverter *converter =
      gst_video_converter_new(&card_info, const_cast<GstVideoInfo *>(&info), nullptr);
  gst_video_converter_frame(converter, &in, &out);
  gst_video_converter_free(converter);
  gst_video_frame_unmap(&out);
  gst_video_frame_unmap(&in);
  gst_buffer_unref(card_buffer);
  return slate;
}

// Decodes and scales the image with GStreamer's own decoders (PNG, JPEG, ...).
GstBuffer *load_image(const GstVideoInfo &info, const std::string &location, std::string &problem) {
  GError *error = nullptr;
  GstElement *launched = gst_parse_launch(
      "filesrc name=file ! decodebin ! videoconvert ! videoscale add-borders=true "
      "! capsfilter name=filter ! appsink name=sink sync=false",
      &error);
  ElementPtr pipeline(launched ? GST_ELEMENT(gst_object_ref_sink(launched)) : nullptr);
  if (!pipeline) {
    problem = error ? error->message : "cannot build the image decoder";
    g_clear_error(&error);
    return nullptr;
  }
  GstBin *bin = GST_BIN(pipeline.get());
  ElementPtr file(gst_bin_get_by_name(bin, "file"));
  ElementPtr filter(gst_bin_get_by_name(bin, "filter"));
  ElementPtr sink(gst_bin_get_by_name(bin, "sink"));
  g_object_set(file.get(), "location", location.c_str(), nullptr);
  // An image has no frame rate: the picture's size and format only.
  CapsPtr caps(gst_video_info_to_caps(const_cast<GstVideoInfo *>(&info)));
  gst_structure_remove_field(gst_caps_get_structure(caps.get(), 0), "framerate");
  g_object_set(filter.get(), "caps", caps.get(), nullptr);
  gst_element_set_state(pipeline.get(), GST_STATE_PAUSED);
  MessagePtr done(gst_bus_timed_pop_filtered(
      GST_ELEMENT_BUS(pipeline.get()), 10 * GST_SECOND,
      static_cast<GstMessageType>(GST_MESSAGE_ASYNC_DONE | GST_MESSAGE_ERROR)));
  GstBuffer *image = nullptr;
  if (done && GST_MESSAGE_TYPE(done.get()) == GST_MESSAGE_ASYNC_DONE) {
    SamplePtr sample(gst_app_sink_try_pull_preroll(GST_APP_SINK(sink.get()), 0));
    GstBuffer *decoded = sample ? gst_sample_get_buffer(sample.get()) : nullptr;
    if (decoded && gst_buffer_get_size(decoded) >= GST_VIDEO_INFO_SIZE(&info))
      image = gst_buffer_copy_deep(decoded);
  }
  if (!image) {
    problem = "cannot read the slate image " + location;
    if (done && GST_MESSAGE_TYPE(done.get()) == GST_MESSAGE_ERROR) {
      gst_message_parse_error(done.get(), &error, nullptr);
      problem += std::string(": ") + error->message;
      g_clear_error(&error);
    }
  }
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
  return image;
}

}  // namespace

GstBuffer *make_slate(const GstVideoInfo &info, const std::string &location,
                      const std::string &text, std::string &problem) {
  problem.clear();
  if (!location.empty())
    if (GstBuffer *image = load_image(info, location, problem)) return image;
  return convert_card(info, text);
}

}  // namespace onair::slateswitch
