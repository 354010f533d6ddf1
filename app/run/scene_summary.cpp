#include "run/scene_summary.h"

#include "run/elements.h"
#include "scene/scenedetect_messages.h"

namespace onair::app {

namespace {

namespace msg = onair::scenedetect_messages;

std::string counted(uint64_t n, const char *one, const char *many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string path_part(const std::string &path, gchar *(*part)(const gchar *)) {
  gchar *text = part(path.c_str());
  std::string out = text;
  g_free(text);
  return out;
}

// Where the snapshots and the index went, as the element's properties say.
std::string snapshots_text(GstElement *element, uint64_t snapshots) {
  const std::string dir = string_property(element, "snapshot-location");
  if (dir.empty()) return "no snapshots (snapshot-location is empty)";
  if (snapshots == 0) return "no snapshots in " + dir;
  const std::string index = string_property(element, "index-location");
  const std::string taken = counted(snapshots, "snapshot", "snapshots");
  if (index.empty()) return taken + " and index.json in " + dir;
  if (path_part(index, g_path_get_dirname) == dir)
    return taken + " and " + path_part(index, g_path_get_basename) + " in " + dir;
  return taken + " in " + dir + ", index in " + index;
}

}  // namespace

SceneSummary::SceneSummary(GstElement *pipeline) {
  for (auto &[name, element] : elements_made_by(pipeline, "scenedetect"))
    found_[name].element = std::move(element);
}

bool SceneSummary::count(GstMessage *message) {
  const GstStructure *s = gst_message_get_structure(message);
  if (!s || !gst_structure_has_name(s, msg::kCut) || !GST_MESSAGE_SRC(message)) return false;
  const auto it = found_.find(GST_OBJECT_NAME(GST_MESSAGE_SRC(message)));
  if (it == found_.end()) return false;
  Found &f = it->second;
  const gchar *kind = gst_structure_get_string(s, msg::kKind);
  if (kind && g_str_equal(kind, msg::kKindGradual))
    f.gradual++;
  else if (kind && g_str_equal(kind, msg::kKindManual))
    f.manual++;
  else
    f.cuts++;
  if (gst_structure_get_string(s, msg::kSnapshotId)) f.snapshots++;
  return true;
}

std::vector<std::string> SceneSummary::lines() const {
  std::vector<std::string> out;
  for (const auto &[name, f] : found_) {
    std::string line = (found_.size() > 1 ? name + ": " : "") +
                       counted(f.cuts + f.gradual, "scene change", "scene changes") + ": " +
                       counted(f.cuts, "cut", "cuts") + ", " + std::to_string(f.gradual) +
                       " gradual";
    if (f.manual) line += ", " + std::to_string(f.manual) + " on request";
    out.push_back(line + "; " + snapshots_text(f.element.get(), f.snapshots));
  }
  return out;
}

}  // namespace onair::app
