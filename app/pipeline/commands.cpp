#include "pipeline/commands.h"

#include <cstdio>
#include <string>
#include <vector>

#include "pipeline/expression.h"
#include "pipeline/pipeline_file.h"

namespace onair::app {

int command_list(const Locations &where) {
  const std::vector<PipelineRef> refs = list_pipelines(where);
  if (refs.empty()) {
    std::printf("no pipelines found\n");
    return kExitOk;
  }
  for (const PipelineRef &ref : refs) {
    std::string description;
    try {
      description = load_pipeline(ref).description;
    } catch (const PipelineError &e) {
      description = std::string("(invalid: ") + e.what() + ")";
    }
    std::printf("%-16s %s\n", ref.stem.c_str(), description.c_str());
  }
  return kExitOk;
}

int command_show(const Locations &where, const Options &options) {
  const PipelineRef ref = locate_pipeline(where, options.pipeline);
  const PipelineFile file = load_pipeline(ref);
  std::printf("%s\n  %s\n  file: %s\n\n", file.name.c_str(), file.description.c_str(),
              file.path.c_str());
  if (file.variables.empty())
    std::printf("variables: none\n");
  else
    std::printf("variables:\n");
  for (const Variable &v : file.variables) {
    std::string line = "  " + v.name;
    if (v.secret) line += " (secret)";
    if (v.required) line += " (required)";
    if (v.default_value) line += " default=" + (v.secret ? std::string("***") : *v.default_value);
    if (v.type == VarType::kInt) line += " type=int";
    if (v.type == VarType::kNumber) line += " type=number";
    if (v.type == VarType::kUri) line += " type=uri";
    if (!v.allowed.empty()) {
      line += " allowed=";
      for (size_t i = 0; i < v.allowed.size(); i++) line += (i ? "," : "") + v.allowed[i];
    }
    std::printf("%s\n", line.c_str());
    if (!v.help.empty()) std::printf("      %s\n", v.help.c_str());
  }
  if (!file.presets.empty()) std::printf("\npresets:\n");
  for (const Preset &preset : file.presets) {
    std::string line = "  " + preset.variable + "=" + preset.value + ":";
    for (const auto &[name, value] : preset.assignments) line += " " + name + "=" + value;
    std::printf("%s\n", line.c_str());
  }
  if (!file.schedule.empty()) std::printf("\nscheduled commands:\n");
  for (const ScheduledCommand &s : file.schedule) {
    std::string when = "at " + format_number(s.at);
    if (s.every > 0) when += " every " + format_number(s.every);
    std::printf("  %s: %s\n", when.c_str(), s.command.c_str());
  }
  if (!file.checks.empty()) std::printf("\nchecks:\n");
  for (const Check &check : file.checks) {
    const std::string condition = check.condition.empty() ? "" : "if " + check.condition + ": ";
    std::printf("  %s%s  (%s)\n", condition.c_str(), check.expression.c_str(),
                check.message.c_str());
  }
  std::printf("\npipeline:\n%s", file.body.c_str());
  return kExitOk;
}

}  // namespace onair::app
