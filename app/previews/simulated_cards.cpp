#include "previews/simulated_cards.h"

#include <dlfcn.h>
#include <glib.h>

#include "common/user_error.h"

namespace onair::app {

namespace {

void require(const PipelineFile &file, const std::string &library) {
  if (!g_file_test(library.c_str(), G_FILE_TEST_IS_REGULAR))
    throw UserError("pipeline '" + file.name + "' runs on simulated cards, and this onair has " +
                    "none (" + library + " is missing: build onair with its tests)");
}

}  // namespace

void use_simulated_cards(const PipelineFile &file, const Locations &where) {
  if (file.simulated_cards.empty()) return;
  if (!g_getenv("ONAIR_VIDEOMASTER_LIBRARY")) {
    require(file, where.simulated_videomaster);
    g_setenv("ONAIR_VIDEOMASTER_LIBRARY", where.simulated_videomaster.c_str(), TRUE);
  }
  g_setenv("ONAIR_FAKE_VIDEOMASTER", file.simulated_cards.c_str(), FALSE);
  // GStreamer's decklink plugin dlopens "libDeckLinkAPI.so" by name, which finds a library
  // already loaded under that soname: the simulated driver, loaded here by path, stands in for
  // Blackmagic's. Its scenario ($ONAIR_FAKE_DECKLINK) defaults to one device receiving 1080i50.
  require(file, where.simulated_decklink);
  if (!dlopen(where.simulated_decklink.c_str(), RTLD_NOW | RTLD_GLOBAL))
    throw UserError("the simulated DeckLink driver " + where.simulated_decklink +
                    " does not load: " + dlerror());
}

}  // namespace onair::app
