#include "control/scheduled_commands.h"

#include "run/main_context.h"

namespace onair::app {

struct ScheduledCommands::Entry {
  ScheduledCommands *owner;
  ScheduledCommand command;
  std::string where;  // "FILE:LINE"
  guint timer = 0;
  std::string last_error;

  void run() {
    const ControlResult r = owner->service_.scheduled(command.command);
    if (r.ok()) {
      if (!last_error.empty()) owner->console_.info(where + ": scheduled command works again");
      last_error.clear();
    } else if (r.error != last_error) {
      owner->console_.warn(where + ": scheduled command failed: " + r.error);
      last_error = r.error;
    }
  }

  static gboolean on_repeat(gpointer data) noexcept {
    auto *entry = static_cast<Entry *>(data);
    try {
      entry->run();
    } catch (const std::exception &) {
    }
    return G_SOURCE_CONTINUE;
  }

  static gboolean on_first(gpointer data) noexcept {
    auto *entry = static_cast<Entry *>(data);
    entry->timer = 0;
    try {
      entry->run();
    } catch (const std::exception &) {
    }
    if (entry->command.every > 0)
      entry->timer = timeout_add_here(milliseconds(entry->command.every), &Entry::on_repeat, entry);
    return G_SOURCE_REMOVE;
  }

  static guint milliseconds(double seconds) { return static_cast<guint>(seconds * 1000 + 0.5); }
};

ScheduledCommands::ScheduledCommands(ControlService &service, Console &console,
                                     const PipelineFile &file)
    : service_(service), console_(console) {
  for (const ScheduledCommand &c : file.schedule) {
    auto entry = std::make_unique<Entry>();
    entry->owner = this;
    entry->command = c;
    entry->where = file.path + ":" + std::to_string(c.line);
    entries_.push_back(std::move(entry));
  }
}

ScheduledCommands::~ScheduledCommands() {
  for (const auto &entry : entries_)
    if (entry->timer) source_remove_here(entry->timer);
}

void ScheduledCommands::start() {
  if (started_) return;
  started_ = true;
  for (const auto &entry : entries_)
    entry->timer =
        timeout_add_here(Entry::milliseconds(entry->command.at), &Entry::on_first, entry.get());
}

}  // namespace onair::app
