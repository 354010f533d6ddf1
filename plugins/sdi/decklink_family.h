// sdisrc's DeckLink family: GStreamer's own decklinkvideosrc and decklinkaudiosrc (not
// rewritten), their signal, mode and error reports mapped onto the shared health model.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <string>
#include <vector>

#include "sdi_family.h"

namespace onair::sdi {

// One DeckLink input as GStreamer's decklink device provider lists it.
struct DecklinkDevice {
  unsigned number = 0;  // decklinkvideosrc's device-number
  std::string model;
  std::string display_name;
};

// The DeckLink inputs found (none without GStreamer's decklink plugin or Blackmagic's driver).
std::vector<DecklinkDevice> list_decklink_devices();

// The family for one port of sdisrc `owner` (messages are posted from it).
std::unique_ptr<SdiFamily> make_decklink_family(GstElement *owner, const PortSettings &settings);

}  // namespace onair::sdi
