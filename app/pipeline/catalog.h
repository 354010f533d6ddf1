// Where the app finds pipeline files, web pages and (when run from the build
// tree) its plugins.
#pragma once

#include <string>
#include <vector>

#include "pipeline/pipeline_file.h"

namespace onair::app {

struct Locations {
  bool uninstalled = false;                // running from the build tree
  std::vector<std::string> pipeline_dirs;  // searched in this order
  std::string web_dir;
  std::vector<std::string> vendor_dirs;  // where /vendor/ files come from
  // The simulated DELTACAST and DeckLink libraries built with onair (sdi-demo); they may be
  // absent.
  std::string simulated_videomaster;
  std::string simulated_decklink;
};

// `web_dir` overrides the default web directory when not empty. In the build
// tree this also puts the built plugins on GST_PLUGIN_PATH: call before gst_init.
Locations find_locations(const std::string &web_dir);

struct PipelineRef {
  std::string path;
  std::string stem;  // file name without ".pipeline"
};

// A name is looked up in the pipeline directories; anything with a '/' or
// ending in ".pipeline" is a path. Throws PipelineError.
PipelineRef locate_pipeline(const Locations &where, const std::string &name_or_path);
PipelineFile load_pipeline(const PipelineRef &ref);

// Every pipeline found, first occurrence of a name winning.
std::vector<PipelineRef> list_pipelines(const Locations &where);

// "env:NAME" reads the environment, "@FILE" a file (trailing newlines dropped).
// Throws PipelineError naming the variable, never showing the value.
std::string read_secret_source(const PipelineFile &file, const Variable &var,
                               const std::string &given);

}  // namespace onair::app
