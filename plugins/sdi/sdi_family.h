// A card family as the sdisrc bin sees it: the elements it puts in the bin for one port and
// the pads that become sdisrc's `video` and `audio` pads. sdisrc picks a family when it leaves
// NULL (the `backend` property) and drops it when it returns to NULL, so adding a family adds
// one class, not branches through the element.
#pragma once

#include <gst/gst.h>

#include <string>

namespace onair::sdi {

// The port's settings, read from sdisrc's properties when it starts.
struct PortSettings {
  unsigned device = 0;
  unsigned port = 0;
  std::string mode;       // the `mode` property: "auto" or a mode name
  std::string no_signal;  // the `no-signal` property
  unsigned audio_channels = 2;
};

class SdiFamily {
 public:
  virtual ~SdiFamily() = default;
  // Adds the family's elements to `bin` (in NULL) and returns the source pads to ghost (new
  // references); false, with an error posted, when the port cannot be used.
  virtual bool attach(GstBin *bin, GstPad **video, GstPad **audio) = 0;
  // Takes them out again; the bin is back in NULL.
  virtual void detach(GstBin *bin) = 0;
  // The bin has started playing (its clock and base time are set) or stops playing.
  virtual void set_playing(bool) {}
};

}  // namespace onair::sdi
