// Per-frame cost of broadcastoverlay against its anchor, three chained stock
// `textoverlay` elements drawing similar text (chat lines, an alert, a status
// line), on 1080p I420 frames. Each frame goes through a GstHarness and back,
// the same buffer every time so no allocation or copy is measured. Rounds
// alternate between the two so machine noise hits both alike; the median
// frame time of each is reported with the ratio.
//
//   bench/overlay_bench [frames-per-round] [rounds] [logo.png]
#include <gst/check/gstharness.h>
#include <gst/gst.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

constexpr int kWidth = 1920, kHeight = 1080;
const char *kCaps = "video/x-raw,format=I420,width=1920,height=1080,framerate=30/1";

const char *kChat[][2] = {
    {"alice", "Hello everyone, great stream today!"},
    {"bob", "What settings do you use for the encoder?"},
    {"carol", "Greetings from Lisbon \u2764"},
    {"dave", "Can you show the overlay at 480p as well?"},
    {"erin", "That alert animation is smooth"},
};
const char *kAlert = "New follower: frank";
const char *kStatus = "LIVE 1:23:45 | 1,024 viewers";

GstHarness *ours(const std::string &logo) {
  GstHarness *h = gst_harness_new("broadcastoverlay");
  if (!h) {
    std::fprintf(stderr, "no broadcastoverlay: run through 'meson devenv -C build'\n");
    std::exit(1);
  }
  g_object_set(h->element, "status", kStatus, "chat-ttl", guint64(0), nullptr);
  if (!logo.empty()) g_object_set(h->element, "logo-location", logo.c_str(), nullptr);
  gboolean ok;
  for (auto &c : kChat) g_signal_emit_by_name(h->element, "add-chat", c[0], c[1], "", &ok);
  g_signal_emit_by_name(h->element, "add-alert", kAlert, "success", guint64(3600) * GST_SECOND,
                        &ok);
  return h;
}

GstHarness *anchor() {
  std::string chat;
  for (auto &c : kChat) chat += std::string(chat.empty() ? "" : "\n") + c[0] + ": " + c[1];
  // textoverlay's text property is a plain string; quote it for the parser.
  const auto quoted = [](const std::string &s) {
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\\\"") : std::string(1, c);
    return q + "\"";
  };
  const std::string line =
      "textoverlay name=first halignment=left valignment=bottom shaded-background=true "
      "font-desc=\"Sans "
      "28px\" text=" +
      quoted(chat) +
      " ! textoverlay halignment=center valignment=top shaded-background=true "
      "font-desc=\"Sans Bold 38px\" text=" +
      quoted(kAlert) +
      " ! textoverlay halignment=right valignment=top shaded-background=true font-desc=\"Sans "
      "28px\" text=" +
      quoted(kStatus) + " name=last";
  // textoverlay also has a text sink pad: ghost the video pads by hand.
  GstElement *bin = gst_parse_bin_from_description(line.c_str(), FALSE, nullptr);
  GstHarness *h = nullptr;
  if (bin) {
    GstElement *first = gst_bin_get_by_name(GST_BIN(bin), "first");
    GstElement *last = gst_bin_get_by_name(GST_BIN(bin), "last");
    GstPad *sink = gst_element_get_static_pad(first, "video_sink");
    GstPad *src = gst_element_get_static_pad(last, "src");
    gst_element_add_pad(bin, gst_ghost_pad_new("sink", sink));
    gst_element_add_pad(bin, gst_ghost_pad_new("src", src));
    gst_object_unref(sink);
    gst_object_unref(src);
    gst_object_unref(first);
    gst_object_unref(last);
    h = gst_harness_new_with_element(bin, "sink", "src");
    gst_object_unref(bin);
  }
  if (!h) {
    std::fprintf(stderr, "cannot build the textoverlay chain\n");
    std::exit(1);
  }
  return h;
}

// Frame times in ms for `frames` frames; the first few (drawing, negotiation)
// are left out by the caller's warm-up round.
std::vector<double> run(GstHarness *h, GstBuffer *&frame, int frames, guint64 &pts) {
  std::vector<double> times;
  times.reserve(frames);
  for (int i = 0; i < frames; i++) {
    GST_BUFFER_PTS(frame) = pts;
    GST_BUFFER_DURATION(frame) = GST_SECOND / 30;
    pts += GST_SECOND / 30;
    const auto start = std::chrono::steady_clock::now();
    if (gst_harness_push(h, frame) != GST_FLOW_OK) {
      std::fprintf(stderr, "push failed\n");
      std::exit(1);
    }
    frame = gst_harness_pull(h);
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  return times;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

GstBuffer *grey_frame() {
  const gsize size = gsize(kWidth) * kHeight * 3 / 2;
  GstBuffer *b = gst_buffer_new_allocate(nullptr, size, nullptr);
  gst_buffer_memset(b, 0, 100, gsize(kWidth) * kHeight);
  gst_buffer_memset(b, gsize(kWidth) * kHeight, 128, size - gsize(kWidth) * kHeight);
  return b;
}

}  // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  const int frames = argc > 1 ? std::atoi(argv[1]) : 300;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  const std::string logo = argc > 3 ? argv[3] : "";

  // The floor: the same harness round trip through an element that does
  // nothing to the frame.
  GstHarness *o = ours(logo), *a = anchor(), *f = gst_harness_new("identity");
  gst_harness_set_src_caps_str(o, kCaps);
  gst_harness_set_src_caps_str(a, kCaps);
  gst_harness_set_src_caps_str(f, kCaps);
  GstBuffer *fo = grey_frame(), *fa = grey_frame(), *ff = grey_frame();
  guint64 pts_o = 0, pts_a = 0, pts_f = 0;
  run(o, fo, 30, pts_o);  // warm up: drawing, negotiation, caches
  run(a, fa, 30, pts_a);
  run(f, ff, 30, pts_f);

  std::vector<double> t_ours, t_anchor, t_floor;
  for (int r = 0; r < rounds; r++) {
    for (double t : run(o, fo, frames, pts_o)) t_ours.push_back(t);
    for (double t : run(a, fa, frames, pts_a)) t_anchor.push_back(t);
    for (double t : run(f, ff, frames, pts_f)) t_floor.push_back(t);
  }
  const double mo = median(t_ours), ma = median(t_anchor), mf = median(t_floor);
  std::printf(
      "broadcastoverlay vs 3 x textoverlay, 1080p I420, 5 chat lines + alert + status%s, "
      "median of %d frames\n",
      logo.empty() ? "" : " + logo", frames * rounds);
  std::printf("  identity (floor)    %7.3f ms/frame\n", mf);
  std::printf("  textoverlay x3      %7.3f ms/frame\n", ma);
  std::printf("  broadcastoverlay    %7.3f ms/frame\n", mo);
  std::printf("  speed-up textoverlay/broadcastoverlay: %.1fx\n", ma / mo);

  gst_buffer_unref(fo);
  gst_buffer_unref(fa);
  gst_buffer_unref(ff);
  gst_harness_teardown(f);
  gst_harness_teardown(o);
  gst_harness_teardown(a);
  return 0;
}
