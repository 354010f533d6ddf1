#include "run/launch.h"

#include "common/text.h"
#include "pipeline/launch_errors.h"
#include "pipeline/values.h"
#include "run/gst_log.h"

namespace onair::app {

namespace {

// Values given with -s: later ones win; secret sources are read here.
std::map<std::string, std::string> given_values(const PipelineFile &file, const Options &options,
                                                std::vector<std::string> &warnings) {
  std::map<std::string, std::string> given;
  for (const auto &[key, value] : options.sets) given[key] = value;
  for (auto &[key, value] : given) {
    const Variable *var = file.find(key);
    if (!var || !var->secret) continue;
    const bool from_source = value.rfind("env:", 0) == 0 || value.rfind("@", 0) == 0;
    value = read_secret_source(file, *var, value);
    if (!from_source)
      warnings.push_back("secret variable '" + key +
                         "' given on the command line, where other users can see it; use -s " +
                         key + "=env:NAME or -s " + key + "=@FILE");
  }
  return given;
}

Redactor redactor_for(const PipelineFile &file, const std::map<std::string, std::string> &values) {
  Redactor redact;
  for (const Variable &v : file.variables)
    if (v.secret) {
      auto it = values.find(v.name);
      if (it != values.end()) redact.add(it->second);
    }
  return redact;
}

LaunchError launch_error_kind(const GError *error) {
  if (error->domain != GST_PARSE_ERROR) return LaunchError::kOther;
  switch (error->code) {
    case GST_PARSE_ERROR_SYNTAX:
      return LaunchError::kSyntax;
    case GST_PARSE_ERROR_NO_SUCH_ELEMENT:
      return LaunchError::kNoSuchElement;
    case GST_PARSE_ERROR_NO_SUCH_PROPERTY:
      return LaunchError::kNoSuchProperty;
    case GST_PARSE_ERROR_COULD_NOT_SET_PROPERTY:
      return LaunchError::kBadPropertyValue;
    default:
      return LaunchError::kOther;
  }
}

}  // namespace

PreparedRun prepare_run(const Locations &where, const Options &options, Console &console) {
  PreparedRun p;
  p.file = load_pipeline(locate_pipeline(where, options.pipeline));
  gchar *cwd = g_get_current_dir();
  const std::string here = cwd;
  g_free(cwd);
  p.values = resolve_values(p.file, given_values(p.file, options, p.warnings), here);
  for (const std::string &warning : p.warnings) console.warn(warning);
  p.redact = redactor_for(p.file, p.values);
  hide_in_gst_log(p.redact);
  return p;
}

ElementPtr build_pipeline(const PipelineFile &file, const std::string &launch) {
  GError *raw = nullptr;
  GstElement *pipeline = gst_parse_launch_full(
      launch.c_str(), nullptr, static_cast<GstParseFlags>(GST_PARSE_FLAG_FATAL_ERRORS), &raw);
  ErrorPtr error(raw);
  if (error) {
    if (pipeline) gst_object_unref(pipeline);
    throw PipelineError(
        explain_launch_error(file, launch, launch_error_kind(error.get()), error->message));
  }
  if (!GST_IS_PIPELINE(pipeline)) {
    // A single element: put it in a pipeline so it has a bus and a clock.
    GstElement *bin = gst_pipeline_new(nullptr);
    gst_bin_add(GST_BIN(bin), pipeline);
    pipeline = bin;
  }
  return ElementPtr(pipeline);
}

std::vector<std::string> shown_launch_lines(const std::string &launch, const Redactor &redact) {
  const std::string shown = redact(launch);
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end = 0; end != std::string::npos; start = end + 1) {
    end = shown.find('\n', start);
    std::string line = shown.substr(start, end == std::string::npos ? end : end - start);
    if (!is_blank(line)) lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace onair::app
