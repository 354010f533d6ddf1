#include "run/check_command.h"

#include <gst/gst.h>

#include <cstdio>
#include <string>
#include <vector>

#include "common/json_string.h"
#include "pipeline/expansion.h"
#include "previews/preview_ports.h"
#include "previews/simulated_cards.h"
#include "run/launch.h"

namespace onair::app {

namespace {

// Properties that differ from their defaults, as "name=value".
std::vector<std::string> changed_properties(GstElement *element) {
  std::vector<std::string> out;
  guint n = 0;
  GParamSpec **specs = g_object_class_list_properties(G_OBJECT_GET_CLASS(element), &n);
  for (guint i = 0; i < n; i++) {
    GParamSpec *spec = specs[i];
    const bool rw = (spec->flags & G_PARAM_READWRITE) == G_PARAM_READWRITE;
    if (!rw || (spec->flags & G_PARAM_DEPRECATED) || g_str_equal(spec->name, "name") ||
        G_TYPE_IS_OBJECT(spec->value_type))
      continue;
    GValue value = G_VALUE_INIT;
    g_value_init(&value, spec->value_type);
    g_object_get_property(G_OBJECT(element), spec->name, &value);
    if (!g_param_value_defaults(spec, &value)) {
      if (G_VALUE_HOLDS_STRING(&value)) {
        const gchar *text = g_value_get_string(&value);
        out.push_back(std::string(spec->name) + "=" + json_string(text ? text : ""));
      } else if (CharPtr text(gst_value_serialize(&value)); text) {
        out.push_back(std::string(spec->name) + "=" + text.get());
      }
    }
    g_value_unset(&value);
  }
  g_free(specs);
  return out;
}

}  // namespace

int command_check(const Locations &where, const Options &options) {
  Redactor no_secrets;
  Console early(no_secrets);
  PreparedRun p = prepare_run(where, options, early);
  use_simulated_cards(p.file, where);
  gchar *tmp = g_build_filename(g_get_tmp_dir(), "onair-check", nullptr);
  p.values["run_dir"] = tmp;
  p.values["web_dir"] = where.web_dir;
  g_free(tmp);
  // A per-port file is checked as its first port's pipeline.
  if (p.file.per_port)
    p.values = port_values(p.values, SdiPort{}, p.values["run_dir"] + "/previews");
  const std::string launch_line = expand(p.file, p.values);
  ElementPtr pipeline;
  try {
    pipeline = build_pipeline(p.file, launch_line);
  } catch (const PipelineError &e) {
    throw PipelineError(p.redact(e.what()));
  }

  // Sources first: the sorted iterator walks from the sinks upstream.
  std::vector<std::string> lines;
  GstIterator *it = gst_bin_iterate_sorted(GST_BIN(pipeline.get()));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    auto *element = GST_ELEMENT(g_value_get_object(&item));
    GstElementFactory *factory = gst_element_get_factory(element);
    std::string line = std::string(GST_ELEMENT_NAME(element)) + " (" +
                       (factory ? GST_OBJECT_NAME(factory) : "bin") + ")";
    for (const std::string &prop : changed_properties(element)) line += "\n    " + prop;
    lines.insert(lines.begin(), line);
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);

  std::printf("%s: pipeline builds with %zu elements\n", p.file.path.c_str(), lines.size());
  for (const std::string &line : lines) std::printf("  %s\n", p.redact(line).c_str());
  // What a program that embeds the pipeline passes to gst_parse_launch.
  std::printf("launch line:\n");
  for (const std::string &line : shown_launch_lines(launch_line, p.redact))
    std::printf("  %s\n", line.c_str());
  return kExitOk;
}

}  // namespace onair::app
