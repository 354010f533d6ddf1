#include "espeak_engine.h"

#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <set>

namespace onair::speech {

namespace {

using SamplesFn = std::function<bool(const int16_t *, size_t)>;

// Set up once; afterwards only `lock` guards anything, and the rest is read-only, so the
// checks made when an item is queued never wait for a synthesis under way.
struct Engine {
  std::once_flag once;
  std::mutex lock;  // serialises every espeak-ng call in the process
  std::string error;
  int sample_rate = 0;
  std::set<std::string> voice_keys;  // lowercase names, identifiers and languages
};

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string status_message(espeak_ng_STATUS status) {
  char text[512] = {};
  espeak_ng_GetStatusCodeMessage(status, text, sizeof text);
  return text;
}

int on_synth(short *wav, int frames, espeak_EVENT *events) {
  if (!wav || frames <= 0 || !events) return 0;
  const auto *fn = static_cast<const SamplesFn *>(events->user_data);
  return (*fn)(wav, static_cast<size_t>(frames)) ? 0 : 1;
}

void initialise(Engine &e) {
  std::lock_guard lock(e.lock);
  espeak_ng_InitializePath(nullptr);
  espeak_ng_ERROR_CONTEXT context = nullptr;
  espeak_ng_STATUS status = espeak_ng_Initialize(&context);
  espeak_ng_ClearErrorContext(&context);
  if (status == ENS_OK) status = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0, nullptr);
  if (status != ENS_OK) {
    e.error = "espeak-ng could not start: " + status_message(status);
    return;
  }
  e.sample_rate = espeak_ng_GetSampleRate();
  espeak_SetSynthCallback(on_synth);
  for (const espeak_VOICE **v = espeak_ListVoices(nullptr); v && *v; v++) {
    if ((*v)->name) e.voice_keys.insert(lowercase((*v)->name));
    if ((*v)->identifier) {
      const std::string id = lowercase((*v)->identifier);
      e.voice_keys.insert(id);
      e.voice_keys.insert(id.substr(id.rfind('/') + 1));
    }
    // languages: a priority byte, then a name, repeated; an empty name ends the list.
    for (const char *l = (*v)->languages; l && l[0] && l[1];
         l += 2 + std::char_traits<char>::length(l + 1))
      e.voice_keys.insert(lowercase(l + 1));
  }
}

Engine &engine() {
  static Engine e;
  std::call_once(e.once, [] { initialise(e); });
  return e;
}

}  // namespace

bool espeak_ready(std::string *error, int *sample_rate) {
  const Engine &e = engine();
  if (error) *error = e.error;
  if (sample_rate) *sample_rate = e.sample_rate;
  return e.error.empty();
}

bool espeak_has_voice(std::string_view voice) {
  if (!espeak_ready(nullptr, nullptr)) return false;
  const std::string key = lowercase(voice.substr(0, voice.find('+')));
  const Engine &e = engine();
  return !key.empty() && e.voice_keys.count(key) > 0;
}

std::string espeak_synthesize(const SpeechRequest &request, const SamplesFn &on_samples) {
  std::string error;
  if (!espeak_ready(&error, nullptr)) return error;
  Engine &e = engine();
  std::lock_guard lock(e.lock);
  espeak_ng_STATUS status = espeak_ng_SetVoiceByName(request.voice.c_str());
  if (status != ENS_OK) return "espeak-ng has no voice \"" + request.voice + "\"";
  espeak_ng_SetParameter(espeakRATE, request.rate, 0);
  espeak_ng_SetParameter(espeakPITCH, request.pitch, 0);
  const unsigned flags = espeakCHARS_UTF8 | (request.markup ? espeakSSML : 0u);
  status = espeak_ng_Synthesize(request.text.c_str(), request.text.size() + 1, 0, POS_CHARACTER, 0,
                                flags, nullptr, const_cast<SamplesFn *>(&on_samples));
  if (status != ENS_OK) return "espeak-ng could not synthesise: " + status_message(status);
  return {};
}

}  // namespace onair::speech
