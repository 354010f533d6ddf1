// Per-buffer cost of streammonitor against its anchor, the stock `identity`
// element, in the same pipeline: fakesrc (timestamped) ! ELEMENT ! fakesink.
// Rounds alternate between the two so machine noise hits both alike; the
// median of each is reported with the ratio.
//
//   bench/streammonitor_bench [buffers-per-round] [rounds]
#include <gst/gst.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

double run_once(const std::string &element, int buffers) {
  const std::string launch = "fakesrc num-buffers=" + std::to_string(buffers) +
                             " sizetype=fixed sizemax=188 filltype=nothing datarate=1880000 ! " +
                             element + " ! fakesink sync=false";
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch(launch.c_str(), &error);
  if (!pipeline || error) {
    std::fprintf(stderr, "cannot build '%s': %s\n", launch.c_str(), error ? error->message : "?");
    std::exit(1);
  }
  GstBus *bus = gst_element_get_bus(pipeline);
  const auto start = std::chrono::steady_clock::now();
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstMessage *msg = gst_bus_timed_pop_filtered(
      bus, GST_CLOCK_TIME_NONE, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  const auto end = std::chrono::steady_clock::now();
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    std::fprintf(stderr, "pipeline '%s' failed\n", launch.c_str());
    std::exit(1);
  }
  gst_message_unref(msg);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  return std::chrono::duration<double>(end - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  const int buffers = argc > 1 ? std::atoi(argv[1]) : 200000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 7;
  const std::string ours = "streammonitor interval=100000000";
  const std::string anchor = "identity silent=true";

  run_once(ours, buffers / 10);  // warm up: plugin loading, caches
  run_once(anchor, buffers / 10);
  std::vector<double> t_ours, t_anchor;
  for (int r = 0; r < rounds; r++) {
    t_ours.push_back(run_once(ours, buffers));
    t_anchor.push_back(run_once(anchor, buffers));
  }
  const double a = median(t_anchor), o = median(t_ours);
  std::printf("streammonitor vs identity, %d buffers of 188 bytes, median of %d rounds\n", buffers,
              rounds);
  std::printf("  identity       %8.3f s  %7.0f ns/buffer\n", a, a * 1e9 / buffers);
  std::printf("  streammonitor  %8.3f s  %7.0f ns/buffer\n", o, o * 1e9 / buffers);
  std::printf("  ratio streammonitor/identity: %.2f\n", o / a);
  return 0;
}
