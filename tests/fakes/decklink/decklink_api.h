// The part of Blackmagic's DeckLink API (SDK 12.2, the version GStreamer 1.22's decklink plugin
// is built against) that GStreamer's decklinkvideosrc and decklinkaudiosrc call, declared here
// from the public SDK documentation ("Blackmagic DeckLink SDK", interface reference chapter)
// and from what gst-plugins-bad 1.22 sys/decklink/gstdecklink*.cpp calls. Written for the fake
// library; no Blackmagic header is copied.
//
// ABI facts the fake must match, and where they come from:
// - Interfaces are C++ classes of pure virtual methods (COM style on Linux): IUnknown's three
//   methods first, then each interface's methods in the SDK reference's order. Every SDK
//   interface declares a virtual destructor after its methods (SDK headers' "call Release
//   method" destructors), which takes two Itanium ABI vtable slots. Only IDeckLinkVideoFrame
//   is derived from further (IDeckLinkVideoInputFrame), so its destructor's position matters.
// - HRESULT is a 32-bit int, ULONG an unsigned long, REFIID 16 bytes passed by value
//   (SDK "LinuxCOM.h" conventions); S_OK 0, S_FALSE 1, E_* codes 0x8000000n.
// - IIDs, four-character codes and flags are the published values (SDK reference, "Interface
//   IDs" and the enumerations of the Basic Types chapter).
#pragma once

#include <cstdint>
#include <cstring>

namespace decklink {

using HRESULT = int;
using ULONG = unsigned long;
using BMDTimeValue = int64_t;
using BMDTimeScale = int64_t;
using BMDDisplayMode = uint32_t;
using BMDPixelFormat = uint32_t;
using BMDFieldDominance = uint32_t;
using BMDDisplayModeFlags = uint32_t;
using BMDFrameFlags = uint32_t;
using BMDVideoInputFlags = uint32_t;
using BMDVideoInputFormatChangedEvents = uint32_t;
using BMDDetectedVideoInputFormatFlags = uint32_t;
using BMDAudioSampleRate = uint32_t;
using BMDAudioSampleType = uint32_t;
using BMDTimecodeFormat = uint32_t;
using BMDConfigId = uint32_t;
using BMDAttributeId = uint32_t;

struct REFIID {
  unsigned char bytes[16];
  bool operator==(const REFIID &other) const {
    return std::memcmp(bytes, other.bytes, sizeof bytes) == 0;
  }
};

constexpr HRESULT S_OK = 0;
constexpr HRESULT S_FALSE = 1;
constexpr HRESULT E_NOTIMPL = static_cast<HRESULT>(0x80000001u);
constexpr HRESULT E_INVALIDARG = static_cast<HRESULT>(0x80000003u);
constexpr HRESULT E_NOINTERFACE = static_cast<HRESULT>(0x80000004u);
constexpr HRESULT E_POINTER = static_cast<HRESULT>(0x80000005u);
constexpr HRESULT E_FAIL = static_cast<HRESULT>(0x80000008u);
// EnableVideoInput's answer when another application holds the input (SDK reference,
// IDeckLinkInput::EnableVideoInput return values).
constexpr HRESULT E_ACCESSDENIED = static_cast<HRESULT>(0x80000009u);

// Interface IDs (SDK reference, each interface's IID).
constexpr REFIID kIidInput = {{0xC2, 0x1C, 0xDB, 0x6E, 0xF4, 0x14, 0x46, 0xE4, 0xA6, 0x36, 0x80,
                               0xA5, 0x66, 0xE0, 0xED, 0x37}};
constexpr REFIID kIidConfiguration = {{0x91, 0x2F, 0x63, 0x4B, 0x2D, 0x4E, 0x40, 0xA4, 0x8A, 0xAB,
                                       0x8D, 0x80, 0xB7, 0x3F, 0x12, 0x89}};
constexpr REFIID kIidProfileAttributes = {{0x17, 0xD4, 0xBF, 0x8E, 0x49, 0x11, 0x47, 0x3A, 0x80,
                                           0xA0, 0x73, 0x1C, 0xF6, 0xFF, 0x34, 0x5B}};

// Four-character codes of the display modes (SDK reference, BMDDisplayMode).
constexpr uint32_t fourcc(const char (&code)[5]) {
  return static_cast<uint32_t>(static_cast<unsigned char>(code[0])) << 24 |
         static_cast<uint32_t>(static_cast<unsigned char>(code[1])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(code[2])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(code[3]));
}

// BMDFieldDominance.
constexpr BMDFieldDominance kLowerFieldFirst = fourcc("lowr");
constexpr BMDFieldDominance kUpperFieldFirst = fourcc("uppr");
constexpr BMDFieldDominance kProgressiveFrame = fourcc("prog");
// BMDDisplayModeFlags.
constexpr BMDDisplayModeFlags kDisplayModeColorspaceRec601 = 1 << 1;
constexpr BMDDisplayModeFlags kDisplayModeColorspaceRec709 = 1 << 2;
// BMDPixelFormat.
constexpr BMDPixelFormat kFormat8BitYuv = fourcc("2vuy");
constexpr BMDPixelFormat kFormat10BitYuv = fourcc("v210");
// BMDFrameFlags: the card delivers frames without a locked input, flagged so.
constexpr BMDFrameFlags kFrameHasNoInputSource = 1u << 31;
// BMDVideoInputFlags.
constexpr BMDVideoInputFlags kVideoInputEnableFormatDetection = 1 << 0;
// BMDVideoInputFormatChangedEvents.
constexpr BMDVideoInputFormatChangedEvents kVideoInputDisplayModeChanged = 1 << 0;
constexpr BMDVideoInputFormatChangedEvents kVideoInputFieldDominanceChanged = 1 << 1;
// BMDDetectedVideoInputFormatFlags.
constexpr BMDDetectedVideoInputFormatFlags kDetectedYCbCr422 = 1 << 0;
constexpr BMDDetectedVideoInputFormatFlags kDetected10BitDepth = 1 << 4;
constexpr BMDDetectedVideoInputFormatFlags kDetected8BitDepth = 1 << 5;
// BMDAudioSampleRate and BMDAudioSampleType.
constexpr BMDAudioSampleRate kAudioSampleRate48kHz = 48000;
constexpr BMDAudioSampleType kAudioSampleType16bit = 16;
constexpr BMDAudioSampleType kAudioSampleType32bit = 32;
// BMDDeckLinkAttributeID.
constexpr BMDAttributeId kAttrSupportsInputFormatDetection = fourcc("infd");
constexpr BMDAttributeId kAttrMaximumAudioChannels = fourcc("mach");
constexpr BMDAttributeId kAttrPersistentId = fourcc("peid");
// BMDDeckLinkConfigurationID.
constexpr BMDConfigId kConfigDeviceSerialNumber = fourcc("disn");

class IUnknown {
 public:
  virtual HRESULT QueryInterface(REFIID iid, void **out) = 0;
  virtual ULONG AddRef() = 0;
  virtual ULONG Release() = 0;

 protected:
  ~IUnknown() = default;
};

class IDeckLinkDisplayMode : public IUnknown {
 public:
  virtual HRESULT GetName(const char **name) = 0;
  virtual BMDDisplayMode GetDisplayMode() = 0;
  virtual long GetWidth() = 0;
  virtual long GetHeight() = 0;
  virtual HRESULT GetFrameRate(BMDTimeValue *frame_duration, BMDTimeScale *time_scale) = 0;
  virtual BMDFieldDominance GetFieldDominance() = 0;
  virtual BMDDisplayModeFlags GetFlags() = 0;

 protected:
  virtual ~IDeckLinkDisplayMode() = default;
};

class IDeckLinkDisplayModeIterator : public IUnknown {
 public:
  virtual HRESULT Next(IDeckLinkDisplayMode **mode) = 0;

 protected:
  virtual ~IDeckLinkDisplayModeIterator() = default;
};

class IDeckLinkTimecode;
class IDeckLinkVideoFrameAncillary;

class IDeckLinkVideoFrame : public IUnknown {
 public:
  virtual long GetWidth() = 0;
  virtual long GetHeight() = 0;
  virtual long GetRowBytes() = 0;
  virtual BMDPixelFormat GetPixelFormat() = 0;
  virtual BMDFrameFlags GetFlags() = 0;
  virtual HRESULT GetBytes(void **buffer) = 0;
  virtual HRESULT GetTimecode(BMDTimecodeFormat format, IDeckLinkTimecode **timecode) = 0;
  virtual HRESULT GetAncillaryData(IDeckLinkVideoFrameAncillary **ancillary) = 0;

 protected:
  virtual ~IDeckLinkVideoFrame() = default;  // two vtable slots before the derived methods
};

class IDeckLinkVideoInputFrame : public IDeckLinkVideoFrame {
 public:
  virtual HRESULT GetStreamTime(BMDTimeValue *frame_time, BMDTimeValue *frame_duration,
                                BMDTimeScale time_scale) = 0;
  virtual HRESULT GetHardwareReferenceTimestamp(BMDTimeScale time_scale, BMDTimeValue *frame_time,
                                                BMDTimeValue *frame_duration) = 0;

 protected:
  ~IDeckLinkVideoInputFrame() override = default;
};

class IDeckLinkAudioInputPacket : public IUnknown {
 public:
  virtual long GetSampleFrameCount() = 0;
  virtual HRESULT GetBytes(void **buffer) = 0;
  virtual HRESULT GetPacketTime(BMDTimeValue *packet_time, BMDTimeScale time_scale) = 0;

 protected:
  virtual ~IDeckLinkAudioInputPacket() = default;
};

// Implemented by the application (GStreamer); the fake only calls it.
class IDeckLinkInputCallback : public IUnknown {
 public:
  virtual HRESULT VideoInputFormatChanged(BMDVideoInputFormatChangedEvents events,
                                          IDeckLinkDisplayMode *mode,
                                          BMDDetectedVideoInputFormatFlags flags) = 0;
  virtual HRESULT VideoInputFrameArrived(IDeckLinkVideoInputFrame *video,
                                         IDeckLinkAudioInputPacket *audio) = 0;

 protected:
  virtual ~IDeckLinkInputCallback() = default;
};

// Implemented by the application: where frame memory comes from.
class IDeckLinkMemoryAllocator : public IUnknown {
 public:
  virtual HRESULT AllocateBuffer(uint32_t size, void **buffer) = 0;
  virtual HRESULT ReleaseBuffer(void *buffer) = 0;
  virtual HRESULT Commit() = 0;
  virtual HRESULT Decommit() = 0;

 protected:
  virtual ~IDeckLinkMemoryAllocator() = default;
};

class IDeckLinkScreenPreviewCallback;

class IDeckLinkInput : public IUnknown {
 public:
  virtual HRESULT DoesSupportVideoMode(uint32_t connection, BMDDisplayMode mode,
                                       BMDPixelFormat format, uint32_t conversion, uint32_t flags,
                                       BMDDisplayMode *actual_mode, bool *supported) = 0;
  virtual HRESULT GetDisplayMode(BMDDisplayMode mode, IDeckLinkDisplayMode **result) = 0;
  virtual HRESULT GetDisplayModeIterator(IDeckLinkDisplayModeIterator **iterator) = 0;
  virtual HRESULT SetScreenPreviewCallback(IDeckLinkScreenPreviewCallback *callback) = 0;
  virtual HRESULT EnableVideoInput(BMDDisplayMode mode, BMDPixelFormat format,
                                   BMDVideoInputFlags flags) = 0;
  virtual HRESULT DisableVideoInput() = 0;
  virtual HRESULT GetAvailableVideoFrameCount(uint32_t *count) = 0;
  virtual HRESULT SetVideoInputFrameMemoryAllocator(IDeckLinkMemoryAllocator *allocator) = 0;
  virtual HRESULT EnableAudioInput(BMDAudioSampleRate rate, BMDAudioSampleType type,
                                   uint32_t channels) = 0;
  virtual HRESULT DisableAudioInput() = 0;
  virtual HRESULT GetAvailableAudioSampleFrameCount(uint32_t *count) = 0;
  virtual HRESULT StartStreams() = 0;
  virtual HRESULT StopStreams() = 0;
  virtual HRESULT PauseStreams() = 0;
  virtual HRESULT FlushStreams() = 0;
  virtual HRESULT SetCallback(IDeckLinkInputCallback *callback) = 0;
  virtual HRESULT GetHardwareReferenceClock(BMDTimeScale time_scale, BMDTimeValue *hardware_time,
                                            BMDTimeValue *time_in_frame,
                                            BMDTimeValue *ticks_per_frame) = 0;

 protected:
  virtual ~IDeckLinkInput() = default;
};

class IDeckLinkConfiguration : public IUnknown {
 public:
  virtual HRESULT SetFlag(BMDConfigId id, bool value) = 0;
  virtual HRESULT GetFlag(BMDConfigId id, bool *value) = 0;
  virtual HRESULT SetInt(BMDConfigId id, int64_t value) = 0;
  virtual HRESULT GetInt(BMDConfigId id, int64_t *value) = 0;
  virtual HRESULT SetFloat(BMDConfigId id, double value) = 0;
  virtual HRESULT GetFloat(BMDConfigId id, double *value) = 0;
  virtual HRESULT SetString(BMDConfigId id, const char *value) = 0;
  virtual HRESULT GetString(BMDConfigId id, const char **value) = 0;
  virtual HRESULT WriteConfigurationToPreferences() = 0;

 protected:
  virtual ~IDeckLinkConfiguration() = default;
};

class IDeckLinkProfileAttributes : public IUnknown {
 public:
  virtual HRESULT GetFlag(BMDAttributeId id, bool *value) = 0;
  virtual HRESULT GetInt(BMDAttributeId id, int64_t *value) = 0;
  virtual HRESULT GetFloat(BMDAttributeId id, double *value) = 0;
  virtual HRESULT GetString(BMDAttributeId id, const char **value) = 0;

 protected:
  virtual ~IDeckLinkProfileAttributes() = default;
};

class IDeckLink : public IUnknown {
 public:
  virtual HRESULT GetModelName(const char **name) = 0;
  virtual HRESULT GetDisplayName(const char **name) = 0;

 protected:
  virtual ~IDeckLink() = default;
};

class IDeckLinkIterator : public IUnknown {
 public:
  virtual HRESULT Next(IDeckLink **device) = 0;

 protected:
  virtual ~IDeckLinkIterator() = default;
};

}  // namespace decklink
