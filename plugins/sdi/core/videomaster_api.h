// The part of DELTACAST's VideoMaster C API (libvideomasterhd.so) that the DELTACAST backend
// calls, written here so that nothing of the SDK is needed to build. No DELTACAST header is
// copied: every name, argument order and value below was checked against public sources:
//   [UE]  deltacasttv/ue-media-plugin (DELTACAST's own Apache-2.0 Unreal Engine plugin),
//         Source/DeltacastMedia/Private/Deltacast/DeltacastSdk.h (function signatures, the
//         Linux library name) and DeltacastDefinition.h (numeric values of the enums).
//   [UG]  CESNET/UltraGrid src/video_capture/deltacast.cpp and deltacast_common.hpp (public
//         capture code: open board, wait until RXn_STATUS lacks VHD_CORE_RXSTS_UNLOCKED, read
//         VHD_SDI_BP_RXn_STANDARD and _CLOCK_DIV, open the RX stream, lock/get/unlock loop).
//   [EM]  a public C# P/Invoke binding (namespace Emerald.Deltacast, VideoMasterHD.cs): the
//         same signatures, and ENUMBASE_CORE = 0x01000000 with the property offsets; also
//         VHD_SDI_STPROC_JOINED = ENUMBASE_SDI + 1, VHD_AM_MONO = 1, VHD_AF_16 = 1, and
//         VHD_SlotExtractAudio(slot, VHD_AUDIOINFO *) living in the separate audio library.
//   [FF]  deltacasttv/FFmpeg libavdevice/videomaster_sdi.c and videomaster_common.c
//         (DELTACAST's public ffmpeg fork): opens RX streams JOINED for audio, fills
//         VHD_AUDIOINFO.pAudioGroups[g].pAudioChannels[c] with Mode, BufferFormat, DataSize
//         (bytes, in: room, out: used) and pData, reads VHD_AF_16 as 2 bytes a sample.
//   [AD]  the API reference comments of DELTACAST's VideoMasterHD_Sdi_Audio.h as they appear
//         in public repositories (read for the member order and types only; nothing copied):
//         4 groups of 4 channels, the VHD_AUDIOGROUPCTRL, VHD_AUDIOCHANNEL and VHD_AUDIOGROUP
//         members.
// VideoMaster's ULONG is 32 bits on Linux ([UE]: `using ULONG = uint32`; [UG] prints it with
// PRIu32 outside Windows); HANDLE is a pointer.
#pragma once

#include <cstddef>
#include <cstdint>

namespace onair::sdi::vhd {

using ULONG = std::uint32_t;
using BOOL32 = std::int32_t;
using HANDLE = void *;
using BYTE = std::uint8_t;

// VHD_ERRORCODE [UE]: the codes the backend tells apart or names in messages. [UE] gives
// BADARG = 6; [UG]'s error descriptions list 1 to 8 in the same order as these values.
inline constexpr ULONG kNoError = 0;          // VHDERR_NOERROR
inline constexpr ULONG kFatalError = 1;       // VHDERR_FATALERROR
inline constexpr ULONG kOperationFailed = 2;  // VHDERR_OPERATIONFAILED
inline constexpr ULONG kNotFound = 5;         // VHDERR_NOTFOUND
inline constexpr ULONG kBadArg = 6;           // VHDERR_BADARG
inline constexpr ULONG kInvalidHandle = 8;    // VHDERR_INVALIDHANDLE
inline constexpr ULONG kStreamUsed = 18;      // VHDERR_STREAMUSED: another process holds the port
inline constexpr ULONG kTimeout = 22;    // VHDERR_TIMEOUT: no slot within VHD_CORE_SP_IO_TIMEOUT
inline constexpr ULONG kBadConfig = 33;  // VHDERR_BADCONFIG

inline constexpr ULONG kEnumBaseCore = 0x01000000;  // ENUMBASE_CORE [EM]
inline constexpr ULONG kEnumBaseSdi = 0x02000000;   // ENUMBASE_SDI [EM]

// VHD_CORE_BOARDPROPERTY [UE][EM].
inline constexpr ULONG kBoardPropertyNbRxChannels =
    kEnumBaseCore + 13;  // VHD_CORE_BP_NB_RXCHANNELS
// VHD_CORE_BP_RXn_STATUS for n = 0..7 [UE]; the ports are not contiguous in the enum.
inline constexpr ULONG kBoardPropertyRxStatus[] = {16777235, 16777236, 16777237, 16777238,
                                                   16777255, 16777256, 16777257, 16777258};
// Bit of RXn_STATUS set while the receiver has no valid signal [UE][UG].
inline constexpr ULONG kRxStatusUnlocked = 0x2;  // VHD_CORE_RXSTS_UNLOCKED

// VHD_SDI_BOARDPROPERTY [UE]: the incoming video standard (VHD_VIDEOSTANDARD) and clock divisor
// (VHD_CLOCKDIVISOR) detected on RXn, n = 0..7.
inline constexpr ULONG kBoardPropertyRxStandard[] = {33554432, 33554433, 33554434, 33554435,
                                                     33554456, 33554457, 33554458, 33554459};
inline constexpr ULONG kBoardPropertyRxClockDivisor[] = {33554442, 33554443, 33554444, 33554445,
                                                         33554460, 33554461, 33554462, 33554463};
inline constexpr ULONG kClockDivisor1 = 0;     // VHD_CLOCKDIV_1: 24, 25, 30, 50, 60 Hz
inline constexpr ULONG kClockDivisor1001 = 1;  // VHD_CLOCKDIV_1001: 23.98, 29.97, 59.94 Hz

// VHD_STREAMTYPE: VHD_ST_RX0..RX7 [UE][EM].
inline constexpr ULONG kStreamTypeRx[] = {0, 1, 9, 10, 20, 21, 22, 23};
inline constexpr unsigned kMaxRxPorts = sizeof(kStreamTypeRx) / sizeof(kStreamTypeRx[0]);

// VHD_SDI_STREAMPROCMODE [UE][EM]: video only, or video with its ANC (where embedded audio
// travels; VHD_SlotExtractAudio needs it [AD][FF][UG]).
inline constexpr ULONG kSdiProcessingJoined = kEnumBaseSdi + 1;
inline constexpr ULONG kSdiProcessingDisjoinedVideo = kEnumBaseSdi + 2;

// VHD_CORE_STREAMPROPERTY [UE][EM].
inline constexpr ULONG kStreamPropertyTransferScheme =
    kEnumBaseCore + 2;                                                // VHD_CORE_SP_TRANSFER_SCHEME
inline constexpr ULONG kStreamPropertyIoTimeout = kEnumBaseCore + 3;  // milliseconds
inline constexpr ULONG kStreamPropertyBufferQueueDepth = kEnumBaseCore + 7;
inline constexpr ULONG kStreamPropertyBufferPacking = kEnumBaseCore + 10;
inline constexpr ULONG kTransferSlaved = 1;  // VHD_TRANSFER_SLAVED [EM]: newest slot, drop old ones

// VHD_SDI_STREAMPROPERTY [UE][EM].
inline constexpr ULONG kSdiStreamPropertyVideoStandard =
    kEnumBaseSdi + 1;  // VHD_SDI_SP_VIDEO_STANDARD

// VHD_BUFFERPACKING [UE]: 4:2:2 8-bit (UYVY order) and 10-bit (v210 layout).
inline constexpr ULONG kBufferPackingYuv422_8 = 0;   // VHD_BUFPACK_VIDEO_YUV422_8
inline constexpr ULONG kBufferPackingYuv422_10 = 2;  // VHD_BUFPACK_VIDEO_YUV422_10

// VHD_SDI_BUFFERTYPE [UE][EM].
inline constexpr ULONG kSdiBufferVideo = 0;  // VHD_SDI_BT_VIDEO

// VHD_VIDEOSTANDARD values the backend understands [UE].
inline constexpr ULONG kStd1080p25 = 0;   // VHD_VIDEOSTD_S274M_1080p_25Hz
inline constexpr ULONG kStd1080p30 = 1;   // VHD_VIDEOSTD_S274M_1080p_30Hz
inline constexpr ULONG kStd1080i50 = 2;   // VHD_VIDEOSTD_S274M_1080i_50Hz
inline constexpr ULONG kStd1080i60 = 3;   // VHD_VIDEOSTD_S274M_1080i_60Hz
inline constexpr ULONG kStd720p50 = 4;    // VHD_VIDEOSTD_S296M_720p_50Hz
inline constexpr ULONG kStd720p60 = 5;    // VHD_VIDEOSTD_S296M_720p_60Hz
inline constexpr ULONG kStdPal = 6;       // VHD_VIDEOSTD_S259M_PAL
inline constexpr ULONG kStd1080p24 = 8;   // VHD_VIDEOSTD_S274M_1080p_24Hz
inline constexpr ULONG kStd1080p60 = 9;   // VHD_VIDEOSTD_S274M_1080p_60Hz
inline constexpr ULONG kStd1080p50 = 10;  // VHD_VIDEOSTD_S274M_1080p_50Hz
inline constexpr ULONG kStd720p25 = 15;   // VHD_VIDEOSTD_S296M_720p_25Hz
inline constexpr ULONG kStd720p30 = 16;   // VHD_VIDEOSTD_S296M_720p_30Hz
inline constexpr ULONG kStd2160p24 = 26;  // VHD_VIDEOSTD_3840x2160p_24Hz
inline constexpr ULONG kStd2160p25 = 27;  // VHD_VIDEOSTD_3840x2160p_25Hz
inline constexpr ULONG kStd2160p30 = 28;  // VHD_VIDEOSTD_3840x2160p_30Hz
inline constexpr ULONG kStd2160p50 = 29;  // VHD_VIDEOSTD_3840x2160p_50Hz
inline constexpr ULONG kStd2160p60 = 30;  // VHD_VIDEOSTD_3840x2160p_60Hz

// Embedded audio [AD][UG][FF]: 4 groups of 4 channels on an SDI link.
inline constexpr unsigned kAudioGroups = 4;            // VHD_NBOFGROUP
inline constexpr unsigned kAudioChannelsPerGroup = 4;  // VHD_NBOFCHNPERGROUP
inline constexpr unsigned kAudioChannels = kAudioGroups * kAudioChannelsPerGroup;
// VHD_AUDIOMODE [AD][EM]: a channel left out, or one channel per buffer.
inline constexpr ULONG kAudioModeOff = 0;   // VHD_AM_OFF
inline constexpr ULONG kAudioModeMono = 1;  // VHD_AM_MONO
// VHD_AUDIOFORMAT [AD][EM]: 16-bit PCM, 2 bytes a sample [FF].
inline constexpr ULONG kAudioFormat16 = 1;  // VHD_AF_16

// VHD_AUDIOGROUPCTRL [AD]: the group's audio control packet. The HD fields and their SD
// per-pair arrays share storage, so each is two 32-bit words here.
struct AudioGroupControl {
  ULONG active_channels;        // ActiveChannels mask
  ULONG audio_frame_number[2];  // AudioFrameNb (HD) / pAudioFrameNb (SD)
  ULONG sampling_rate[2];       // SamplingRate / pSamplingRate (VHD_AUDIOSAMPLINGRATE)
  BOOL32 asynchronous[2];       // Asynchronous / pAsynchronous
  BOOL32 delay12_valid[2];      // Delay12Valid / pDelay12Valid
  ULONG delay12[2];             // Delay12 / pDelay12
  BOOL32 delay34_valid[2];      // Delay34Valid / pDelay34Valid
  ULONG delay34[2];             // Delay34 / pDelay34
};

// VHD_AUDIOCHANNEL [AD]; the members the backend sets are the ones [UG] and [FF] set.
struct AudioChannel {
  ULONG mode;                     // Mode (VHD_AUDIOMODE), in
  ULONG buffer_format;            // BufferFormat (VHD_AUDIOFORMAT), in
  BOOL32 extended_data;           // ExtendedData_B, SD only, out
  BOOL32 channel_status_valid;    // AesChannelStatusBlockValid, out
  BYTE channel_status_block[24];  // VHD_AESCHANNELSTATUSBLOCK: 24 bytes, packed to 1
  BOOL32 user_block_valid;        // AesChannelUserBlockValid, out
  BYTE user_block[24];            // VHD_AESCHANNELUSERBLOCK: 24 bytes
  ULONG data_size;                // DataSize: bytes pData holds on call, bytes used after
  BYTE *data;                     // pData: the caller's buffer
};

// VHD_AUDIOGROUP [AD].
struct AudioGroup {
  BOOL32 control_valid;  // GroupCtrlValid
  AudioGroupControl control;
  AudioChannel channels[kAudioChannelsPerGroup];  // pAudioChannels
  ULONG reserved[4];
};

// VHD_AUDIOINFO [AD][UG]: the argument of VHD_SlotExtractAudio.
struct AudioInfo {
  AudioGroup groups[kAudioGroups];  // pAudioGroups
};

// The layout on 64-bit Linux, worked out from [AD]'s member types: 4-byte enums and ULONGs,
// 1-byte-aligned 24-byte AES blocks, an 8-byte pointer.
static_assert(sizeof(AudioGroupControl) == 60);
static_assert(offsetof(AudioChannel, channel_status_block) == 16);
static_assert(offsetof(AudioChannel, user_block_valid) == 40);
static_assert(offsetof(AudioChannel, data_size) == 68);
static_assert(sizeof(void *) != 8 || offsetof(AudioChannel, data) == 72);
static_assert(sizeof(void *) != 8 || sizeof(AudioChannel) == 80);
static_assert(sizeof(void *) != 8 || offsetof(AudioGroup, channels) == 64);
static_assert(sizeof(void *) != 8 || sizeof(AudioGroup) == 400);
static_assert(sizeof(AudioInfo) == kAudioGroups * sizeof(AudioGroup));

// The functions, in the order and with the arguments of [UE] DeltacastSdk.h and [EM].
// Plain C calling convention on Linux.
extern "C" {
using GetApiInfoFn = ULONG (*)(ULONG *api_version, ULONG *board_count);
using GetBoardModelFn = const char *(*)(ULONG board_index);
using OpenBoardHandleFn = ULONG (*)(ULONG board_index, HANDLE *board, HANDLE on_state_change,
                                    ULONG state_change_mask);
using CloseBoardHandleFn = ULONG (*)(HANDLE board);
using GetBoardPropertyFn = ULONG (*)(HANDLE board, ULONG property, ULONG *value);
using OpenStreamHandleFn = ULONG (*)(HANDLE board, ULONG stream_type, ULONG processing_mode,
                                     BOOL32 *setup_lock, HANDLE *stream, HANDLE on_data_ready);
using CloseStreamHandleFn = ULONG (*)(HANDLE stream);
using SetStreamPropertyFn = ULONG (*)(HANDLE stream, ULONG property, ULONG value);
using StartStreamFn = ULONG (*)(HANDLE stream);
using StopStreamFn = ULONG (*)(HANDLE stream);
using LockSlotHandleFn = ULONG (*)(HANDLE stream, HANDLE *slot);
using UnlockSlotHandleFn = ULONG (*)(HANDLE slot);
using GetSlotBufferFn = ULONG (*)(HANDLE slot, ULONG buffer_type, BYTE **buffer, ULONG *size);
// [AD][UG][EM]; exported by the audio library (libvideomasterhd_audio.so, [UG]'s link line).
using SlotExtractAudioFn = ULONG (*)(HANDLE slot, AudioInfo *audio);
}

}  // namespace onair::sdi::vhd
