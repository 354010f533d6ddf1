#include "videomaster_library.h"

#include <dlfcn.h>

#include <cstdlib>

namespace onair::sdi {

namespace {

std::string chosen_file(const std::string &file) {
  if (!file.empty()) return file;
  const char *from_env = std::getenv(kVideoMasterLibraryEnv);
  if (from_env && *from_env) return from_env;
  return kVideoMasterLibraryName;
}

std::string last_dl_error() {
  const char *text = dlerror();
  return text ? text : "unknown reason";
}

// Resolves one symbol into `slot`; false (with `error` filled) when it is absent.
template <typename Function>
bool resolve(void *handle, const char *name, Function &slot, const std::string &file,
             VideoMasterLoadError &error) {
  dlerror();
  void *address = dlsym(handle, name);
  if (!address) {
    error = {VideoMasterLoadError::Kind::symbol_missing,
             file + " has no " + name + " (" + last_dl_error() + ")"};
    return false;
  }
  slot = reinterpret_cast<Function>(address);
  return true;
}

}  // namespace

VideoMasterLibrary::LoadResult VideoMasterLibrary::load(const std::string &file) {
  const std::string path = chosen_file(file);
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return VideoMasterLoadError{VideoMasterLoadError::Kind::library_missing,
                                "cannot load " + path + ": " + last_dl_error()};

  VideoMasterFunctions functions{};
  VideoMasterLoadError error;
  const bool resolved =
      resolve(handle, "VHD_GetApiInfo", functions.get_api_info, path, error) &&
      resolve(handle, "VHD_GetBoardModel", functions.get_board_model, path, error) &&
      resolve(handle, "VHD_OpenBoardHandle", functions.open_board_handle, path, error) &&
      resolve(handle, "VHD_CloseBoardHandle", functions.close_board_handle, path, error) &&
      resolve(handle, "VHD_GetBoardProperty", functions.get_board_property, path, error) &&
      resolve(handle, "VHD_OpenStreamHandle", functions.open_stream_handle, path, error) &&
      resolve(handle, "VHD_CloseStreamHandle", functions.close_stream_handle, path, error) &&
      resolve(handle, "VHD_SetStreamProperty", functions.set_stream_property, path, error) &&
      resolve(handle, "VHD_StartStream", functions.start_stream, path, error) &&
      resolve(handle, "VHD_StopStream", functions.stop_stream, path, error) &&
      resolve(handle, "VHD_LockSlotHandle", functions.lock_slot_handle, path, error) &&
      resolve(handle, "VHD_UnlockSlotHandle", functions.unlock_slot_handle, path, error) &&
      resolve(handle, "VHD_GetSlotBuffer", functions.get_slot_buffer, path, error);
  if (!resolved) {
    dlclose(handle);
    return error;
  }
  std::shared_ptr<VideoMasterLibrary> library(new VideoMasterLibrary(handle, path, functions));
  library->load_audio();
  return std::shared_ptr<const VideoMasterLibrary>(std::move(library));
}

void VideoMasterLibrary::load_audio() {
  constexpr const char *kName = "VHD_SlotExtractAudio";
  VideoMasterLoadError error;
  if (resolve(handle_, kName, functions_.slot_extract_audio, file_, error)) return;
  audio_missing_ = error.message;
  audio_handle_ = dlopen(kVideoMasterAudioLibraryName, RTLD_NOW | RTLD_LOCAL);
  if (!audio_handle_) {
    audio_missing_ +=
        "; cannot load " + std::string(kVideoMasterAudioLibraryName) + ": " + last_dl_error();
    return;
  }
  if (resolve(audio_handle_, kName, functions_.slot_extract_audio, kVideoMasterAudioLibraryName,
              error)) {
    audio_missing_.clear();
    return;
  }
  audio_missing_ += "; " + error.message;
  dlclose(audio_handle_);
  audio_handle_ = nullptr;
}

VideoMasterLibrary::VideoMasterLibrary(void *handle, std::string file,
                                       const VideoMasterFunctions &functions)
    : handle_(handle), file_(std::move(file)), functions_(functions) {}

VideoMasterLibrary::~VideoMasterLibrary() {
  if (audio_handle_) dlclose(audio_handle_);
  dlclose(handle_);
}

}  // namespace onair::sdi
