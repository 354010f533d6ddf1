#include "pipeline/catalog.h"

#include "common/text.h"
#include "control/schedule_check.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

namespace onair::app {

namespace {

std::string real_path(const std::string &path) {
  std::unique_ptr<char, decltype(&std::free)> resolved(realpath(path.c_str(), nullptr), &std::free);
  return resolved ? std::string(resolved.get()) : std::string();
}

bool is_dir(const std::string &path) {
  return g_file_test(path.c_str(), G_FILE_TEST_IS_DIR);
}

std::string build_path(const std::string &a, const std::string &b) {
  gchar *p = g_build_filename(a.c_str(), b.c_str(), nullptr);
  std::string out(p);
  g_free(p);
  return out;
}

bool ends_with(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Locations find_locations(const std::string &web_dir) {
  Locations where;
  const std::string exe_dir = [] {
    const std::string exe = real_path("/proc/self/exe");
    gchar *dir = g_path_get_dirname(exe.c_str());
    std::string out(dir);
    g_free(dir);
    return out;
  }();
  where.uninstalled = !exe_dir.empty() && exe_dir == real_path(ONAIR_BUILD_APP_DIR);

  if (const char *env = g_getenv("ONAIR_PIPELINE_PATH")) {
    gchar **dirs = g_strsplit(env, G_SEARCHPATH_SEPARATOR_S, -1);
    for (gchar **d = dirs; *d; d++)
      if (**d) where.pipeline_dirs.emplace_back(*d);
    g_strfreev(dirs);
  }
  where.pipeline_dirs.push_back(build_path(g_get_user_config_dir(), "onair/pipelines"));
  const std::string data_dir = where.uninstalled ? ONAIR_SOURCE_DIR : ONAIR_DATADIR;
  where.pipeline_dirs.push_back(build_path(data_dir, "pipelines"));

  if (!web_dir.empty())
    where.web_dir = web_dir;
  else if (const char *env = g_getenv("ONAIR_WEB_DIR"))
    where.web_dir = env;
  else
    where.web_dir = build_path(data_dir, "web");
  where.vendor_dirs = {build_path(where.web_dir, "vendor"),
                       build_path(where.web_dir, "node_modules/hls.js/dist"),
                       build_path(where.web_dir, "node_modules/uplot/dist")};

  where.simulated_videomaster =
      where.uninstalled ? ONAIR_SIMULATED_VIDEOMASTER_BUILD : ONAIR_SIMULATED_VIDEOMASTER;
  where.simulated_decklink =
      where.uninstalled ? ONAIR_SIMULATED_DECKLINK_BUILD : ONAIR_SIMULATED_DECKLINK;

  if (where.uninstalled) {
    std::string path = ONAIR_PLUGIN_BUILD_DIRS;
    if (const char *old = g_getenv("GST_PLUGIN_PATH"); old && *old) path += std::string(":") + old;
    g_setenv("GST_PLUGIN_PATH", path.c_str(), TRUE);
  }
  return where;
}

PipelineRef locate_pipeline(const Locations &where, const std::string &name_or_path) {
  if (name_or_path.find('/') != std::string::npos || ends_with(name_or_path, ".pipeline")) {
    if (!g_file_test(name_or_path.c_str(), G_FILE_TEST_IS_REGULAR))
      throw PipelineError(name_or_path + ": no such pipeline file");
    gchar *base = g_path_get_basename(name_or_path.c_str());
    std::string stem(base);
    g_free(base);
    if (ends_with(stem, ".pipeline")) stem.resize(stem.size() - 9);
    return {name_or_path, stem};
  }
  const bool valid =
      !name_or_path.empty() && std::all_of(name_or_path.begin(), name_or_path.end(), [](char c) {
        return g_ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
      });
  if (valid) {
    for (const std::string &dir : where.pipeline_dirs) {
      const std::string path = build_path(dir, name_or_path + ".pipeline");
      if (g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR)) return {path, name_or_path};
    }
  }
  std::string dirs;
  for (const std::string &d : where.pipeline_dirs) dirs += (dirs.empty() ? "" : ", ") + d;
  throw PipelineError("no pipeline named '" + printable_excerpt(name_or_path, 60) +
                      "' (looked in " + dirs + "; 'onair list' shows what there is)");
}

PipelineFile load_pipeline(const PipelineRef &ref) {
  gchar *contents = nullptr;
  gsize length = 0;
  GError *error = nullptr;
  if (!g_file_get_contents(ref.path.c_str(), &contents, &length, &error)) {
    std::string message = ref.path + ": cannot read: " + error->message;
    g_error_free(error);
    throw PipelineError(message);
  }
  std::string text(contents, length);
  g_free(contents);
  PipelineFile file = parse_pipeline_file(text, ref.path, ref.stem);
  check_scheduled_commands(file);
  return file;
}

std::vector<PipelineRef> list_pipelines(const Locations &where) {
  std::vector<PipelineRef> found;
  for (const std::string &dir : where.pipeline_dirs) {
    if (!is_dir(dir)) continue;
    GDir *d = g_dir_open(dir.c_str(), 0, nullptr);
    if (!d) continue;
    std::vector<PipelineRef> here;
    while (const gchar *name = g_dir_read_name(d)) {
      std::string file(name);
      if (!ends_with(file, ".pipeline")) continue;
      const std::string stem = file.substr(0, file.size() - 9);
      const bool seen = std::any_of(found.begin(), found.end(),
                                    [&](const PipelineRef &r) { return r.stem == stem; });
      if (!seen) here.push_back({build_path(dir, file), stem});
    }
    g_dir_close(d);
    found.insert(found.end(), here.begin(), here.end());
  }
  std::sort(found.begin(), found.end(),
            [](const PipelineRef &a, const PipelineRef &b) { return a.stem < b.stem; });
  return found;
}

std::string read_secret_source(const PipelineFile &file, const Variable &var,
                               const std::string &given) {
  const auto fail = [&](const std::string &why) -> std::string {
    throw PipelineError(file.path + ":" + std::to_string(var.line) + ": variable '" + var.name +
                        "': " + why);
  };
  if (given.rfind("env:", 0) == 0) {
    const std::string name = given.substr(4);
    const char *value = name.empty() ? nullptr : g_getenv(name.c_str());
    if (!value)
      return fail("environment variable '" + printable_excerpt(name, 60) + "' is not set");
    return value;
  }
  if (given.rfind("@", 0) == 0) {
    const std::string path = given.substr(1);
    gchar *contents = nullptr;
    gsize length = 0;
    GError *error = nullptr;
    if (!g_file_get_contents(path.c_str(), &contents, &length, &error)) {
      const std::string why =
          "cannot read '" + printable_excerpt(path, 80) + "': " + error->message;
      g_error_free(error);
      return fail(why);
    }
    std::string value(contents, length);
    g_free(contents);
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    return value;
  }
  return given;
}

}  // namespace onair::app
