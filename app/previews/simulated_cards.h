// Simulated capture cards for a run whose file asks for them ("simulated-cards:", as
// sdi-demo does): the simulated DELTACAST and DeckLink libraries built with onair are loaded
// where the real ones would be, so the demo runs the same code as real cards.
#pragma once

#include "pipeline/catalog.h"
#include "pipeline/pipeline_file.h"

namespace onair::app {

// Points ONAIR_VIDEOMASTER_LIBRARY at the simulated VideoMaster and ONAIR_FAKE_VIDEOMASTER at
// the file's scenario, each unless already set (a test or the user chose their own), and loads
// the simulated DeckLink driver. Does nothing for other files. Call before any element loads
// a driver. Throws UserError when this onair has no simulated library (built without its
// tests).
void use_simulated_cards(const PipelineFile &file, const Locations &where);

}  // namespace onair::app
