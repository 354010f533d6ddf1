#include "previews/simulated_cards.h"

#include <glib.h>

#include "common/user_error.h"

namespace onair::app {

void use_simulated_cards(const PipelineFile &file, const Locations &where) {
  if (file.simulated_cards.empty()) return;
  if (!g_getenv("ONAIR_VIDEOMASTER_LIBRARY")) {
    if (!g_file_test(where.simulated_videomaster.c_str(), G_FILE_TEST_IS_REGULAR))
      throw UserError("pipeline '" + file.name + "' runs on simulated cards, and this onair has " +
                      "none (" + where.simulated_videomaster +
                      " is missing: build onair with its tests)");
    g_setenv("ONAIR_VIDEOMASTER_LIBRARY", where.simulated_videomaster.c_str(), TRUE);
  }
  g_setenv("ONAIR_FAKE_VIDEOMASTER", file.simulated_cards.c_str(), FALSE);
}

}  // namespace onair::app
