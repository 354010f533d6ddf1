#pragma once

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_SCENE_DETECT (gst_scene_detect_get_type())
G_DECLARE_FINAL_TYPE(GstSceneDetect, gst_scene_detect, GST, SCENE_DETECT, GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE(scenedetect);

G_END_DECLS
