// Loads DELTACAST's VideoMaster library at run time, so onair builds without the SDK and a
// machine without it simply has no DELTACAST cards.
#pragma once

#include <memory>
#include <string>
#include <variant>

#include "videomaster_api.h"

namespace onair::sdi {

// The library file dlopen() is given when nothing else is asked for.
inline constexpr const char *kVideoMasterLibraryName = "libvideomasterhd.so";
// Environment variable naming another file (a full path or a name for the loader's search).
inline constexpr const char *kVideoMasterLibraryEnv = "ONAIR_VIDEOMASTER_LIBRARY";
// DELTACAST ships embedded audio in a companion library; VHD_SlotExtractAudio is looked for in
// the main library first (the fake has it there), then in this one.
inline constexpr const char *kVideoMasterAudioLibraryName = "libvideomasterhd_audio.so";

struct VideoMasterLoadError {
  enum class Kind { library_missing, symbol_missing };
  Kind kind;
  std::string message;  // names the file or the missing symbol, with dlerror()'s words
};

// Every function the backend calls, resolved.
struct VideoMasterFunctions {
  vhd::GetApiInfoFn get_api_info;
  vhd::GetBoardModelFn get_board_model;
  vhd::OpenBoardHandleFn open_board_handle;
  vhd::CloseBoardHandleFn close_board_handle;
  vhd::GetBoardPropertyFn get_board_property;
  vhd::OpenStreamHandleFn open_stream_handle;
  vhd::CloseStreamHandleFn close_stream_handle;
  vhd::SetStreamPropertyFn set_stream_property;
  vhd::StartStreamFn start_stream;
  vhd::StopStreamFn stop_stream;
  vhd::LockSlotHandleFn lock_slot_handle;
  vhd::UnlockSlotHandleFn unlock_slot_handle;
  vhd::GetSlotBufferFn get_slot_buffer;
  // Optional: nullptr when neither library has it (older VideoMaster, no audio package); the
  // video works without it.
  vhd::SlotExtractAudioFn slot_extract_audio;
};

class VideoMasterLibrary {
 public:
  using LoadResult = std::variant<std::shared_ptr<const VideoMasterLibrary>, VideoMasterLoadError>;

  // Loads `file`; an empty `file` means $ONAIR_VIDEOMASTER_LIBRARY, else libvideomasterhd.so.
  static LoadResult load(const std::string &file = {});

  ~VideoMasterLibrary();
  VideoMasterLibrary(const VideoMasterLibrary &) = delete;
  VideoMasterLibrary &operator=(const VideoMasterLibrary &) = delete;

  const VideoMasterFunctions &api() const { return functions_; }
  const std::string &file() const { return file_; }
  // Why api().slot_extract_audio is nullptr (names both files); empty when it was found.
  const std::string &audio_missing() const { return audio_missing_; }

 private:
  VideoMasterLibrary(void *handle, std::string file, const VideoMasterFunctions &functions);
  void load_audio();

  void *handle_;
  void *audio_handle_ = nullptr;  // the companion audio library, when it was needed
  std::string audio_missing_;
  std::string file_;
  VideoMasterFunctions functions_;
};

}  // namespace onair::sdi
