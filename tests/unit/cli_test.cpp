#include "cli/cli.h"

#include <gtest/gtest.h>

using namespace onair::app;
using Command = Options::Command;

namespace {

Options parse(std::vector<std::string> args) {
  return parse_command_line(args);
}

std::string usage_error(std::vector<std::string> args) {
  try {
    parse_command_line(args);
  } catch (const UsageError &e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(Cli, RunWithEverything) {
  const Options o = parse({"run", "demo", "-s", "a=1", "--set", "b=x=y", "--set=c=", "--http",
                           "[::1]:9000", "--output-dir", "/tmp/o", "--eos-timeout", "2.5",
                           "--status-interval=0", "--web-dir", "/w"});
  EXPECT_EQ(o.command, Command::kRun);
  EXPECT_EQ(o.pipeline, "demo");
  ASSERT_EQ(o.sets.size(), 3u);
  EXPECT_EQ(o.sets[1], (std::pair<std::string, std::string>{"b", "x=y"}));
  EXPECT_EQ(o.sets[2], (std::pair<std::string, std::string>{"c", ""}));
  ASSERT_TRUE(o.http.has_value());
  EXPECT_EQ(o.http->host, "::1");
  EXPECT_EQ(o.http->port, 9000);
  EXPECT_EQ(o.output_dir, "/tmp/o");
  EXPECT_EQ(o.web_dir, "/w");
  EXPECT_DOUBLE_EQ(o.eos_timeout, 2.5);
  EXPECT_DOUBLE_EQ(o.status_interval, 0);
}

TEST(Cli, Defaults) {
  const Options o = parse({"run", "demo"});
  ASSERT_TRUE(o.http.has_value());
  EXPECT_EQ(o.http->host, "127.0.0.1");
  EXPECT_EQ(o.http->port, 8080);
  EXPECT_DOUBLE_EQ(o.eos_timeout, 10);
  EXPECT_FALSE(parse({"run", "demo", "--no-http"}).http.has_value());
}

TEST(Cli, HelpAndVersion) {
  EXPECT_THROW(parse({}), UsageError);  // a usage error: exit status 2
  EXPECT_EQ(parse({"--help"}).command, Command::kHelp);
  EXPECT_EQ(parse({"-V"}).command, Command::kVersion);
  const Options o = parse({"run", "--help"});
  EXPECT_EQ(o.command, Command::kHelp);
  EXPECT_EQ(o.help_topic, "run");
  EXPECT_NE(help_text("run").find("--eos-timeout"), std::string::npos);
  EXPECT_NE(help_text("").find("  list "), std::string::npos);
  EXPECT_EQ(parse({"help", "show"}).help_topic, "show");
}

TEST(Cli, UsageErrors) {
  EXPECT_EQ(usage_error({"fly"}), "unknown command 'fly'");
  EXPECT_EQ(usage_error({"--frobnicate"}), "unknown option '--frobnicate'");
  EXPECT_EQ(usage_error({"run"}), "run needs a pipeline name or file");
  EXPECT_EQ(usage_error({"run", "a", "b"}), "unexpected argument 'b'");
  EXPECT_EQ(usage_error({"run", "a", "-s"}), "-s needs a value");
  EXPECT_EQ(usage_error({"run", "a", "-s", "novalue"}), "-s takes KEY=VALUE, not 'novalue'");
  EXPECT_EQ(usage_error({"run", "a", "-s", "=v"}), "-s takes KEY=VALUE, not '=v'");
  EXPECT_EQ(usage_error({"run", "a", "--eos-timeout", "soon"}),
            "--eos-timeout takes a number of seconds, not 'soon'");
  EXPECT_EQ(usage_error({"run", "a", "--eos-timeout", "-1"}),
            "--eos-timeout takes a number of seconds, not '-1'");
  EXPECT_EQ(usage_error({"list", "--http", "1.2.3.4:5"}), "unknown option '--http' for list");
  EXPECT_EQ(usage_error({"show", "x", "-s", "a=b"}),
            "show takes no values: 'onair check NAME -s KEY=VALUE ...' builds the pipeline "
            "with them and prints its launch line");
  EXPECT_EQ(usage_error({"run", "a", "--http", "8080"}),
            "--http takes ADDR:PORT, for example 127.0.0.1:8080");
  EXPECT_EQ(usage_error({"run", "a", "--http", "127.0.0.1:99999"}),
            "--http: '99999' is not a port number");
  EXPECT_EQ(usage_error({"run", "a", "--http", ":80"}),
            "--http needs an address, for example 127.0.0.1:8080");
}

TEST(Cli, ControlOptions) {
  Options o = parse({"run", "demo"});
  EXPECT_FALSE(o.control_stdin);
  EXPECT_EQ(o.control_socket, "");
  EXPECT_EQ(o.token_file, "");
  o = parse({"run", "demo", "--control", "stdin", "--control-socket=/run/ov.sock", "--token-file",
             "/etc/tok"});
  EXPECT_TRUE(o.control_stdin);
  EXPECT_EQ(o.control_socket, "/run/ov.sock");
  EXPECT_EQ(o.token_file, "/etc/tok");
  o = parse({"token"});
  EXPECT_EQ(o.command, Command::kToken);
  EXPECT_EQ(parse({"token", "--token-file=/x"}).token_file, "/x");
  EXPECT_EQ(parse({"help", "token"}).help_topic, "token");
  EXPECT_NE(help_text("token").find("Authorization: Bearer $(onair token)"), std::string::npos);
  EXPECT_NE(help_text("run").find("--control stdin"), std::string::npos);
  EXPECT_NE(help_text("run").find("--control-socket PATH"), std::string::npos);
  EXPECT_NE(help_text("run").find("--token-file FILE"), std::string::npos);
  EXPECT_NE(help_text("").find("  token "), std::string::npos);

  EXPECT_EQ(usage_error({"run", "demo", "--control", "tcp"}),
            "--control takes 'stdin' (use --control-socket PATH for a socket)");
  EXPECT_EQ(usage_error({"run", "demo", "--control-socket="}), "--control-socket needs a path");
  EXPECT_EQ(usage_error({"run", "demo", "--token-file", ""}), "--token-file needs a file name");
  EXPECT_EQ(usage_error({"token", "extra"}), "unexpected argument 'extra'");
  EXPECT_EQ(usage_error({"token", "--control", "stdin"}), "unknown option '--control' for token");
  EXPECT_EQ(usage_error({"check", "x", "--token-file", "f"}),
            "unknown option '--token-file' for check");
}

TEST(Cli, AllowOrigin) {
  EXPECT_TRUE(parse({"run", "demo"}).allow_origins.empty());
  const Options o = parse({"run", "demo", "--allow-origin", "https://example.com",
                           "--allow-origin=http://127.0.0.1:8081", "--allow-origin", "*"});
  EXPECT_EQ(o.allow_origins,
            (std::vector<std::string>{"https://example.com", "http://127.0.0.1:8081", "*"}));
  EXPECT_EQ(allow_origins_list(o), "https://example.com,http://127.0.0.1:8081,*");
  EXPECT_EQ(parse({"run", "demo", "--allow-origin", "https://Example.com/"}).allow_origins[0],
            "https://Example.com/");
  EXPECT_NE(help_text("run").find("--allow-origin ORIGIN"), std::string::npos);
  for (const char *bad : {"example.com", "https://a/page", "", "a,b", "https://a,https://b", " "})
    EXPECT_EQ(usage_error({"run", "demo", "--allow-origin", bad}),
              "--allow-origin takes one origin such as https://example.com or "
              "http://127.0.0.1:8081, or *, not '" +
                  std::string(bad) + "'")
        << bad;
  EXPECT_EQ(usage_error({"run", "demo", "--allow-origin"}), "--allow-origin needs a value");
  EXPECT_EQ(usage_error({"check", "demo", "--allow-origin", "*"}),
            "unknown option '--allow-origin' for check");
}

TEST(Cli, Sessions) {
  Options o = parse({"sessions", "list", "--json", "--sessions-dir", "/srv/s"});
  EXPECT_EQ(o.command, Command::kSessions);
  EXPECT_EQ(o.sessions_action, "list");
  EXPECT_TRUE(o.json);
  EXPECT_EQ(o.sessions_dir, "/srv/s");
  o = parse({"sessions", "delete", "20261204_153000", "20261204_153000_2"});
  EXPECT_EQ(o.sessions_action, "delete");
  EXPECT_EQ(o.session_ids, (std::vector<std::string>{"20261204_153000", "20261204_153000_2"}));
  o = parse({"sessions", "show", "--sessions-dir=x", "20261204_153000"});
  EXPECT_EQ(o.session_ids, std::vector<std::string>{"20261204_153000"});
  EXPECT_EQ(o.sessions_dir, "x");
  EXPECT_EQ(parse({"run", "session", "--sessions-dir", "d"}).sessions_dir, "d");
  o = parse({"sessions", "--help"});
  EXPECT_EQ(o.command, Command::kHelp);
  EXPECT_EQ(o.help_topic, "sessions");
  EXPECT_NE(help_text("sessions").find("onair sessions delete ID..."), std::string::npos);
  EXPECT_NE(help_text("").find("sessions list|show|delete"), std::string::npos);
  EXPECT_EQ(usage_error({"sessions"}), "sessions needs list, show ID or delete ID...");
  EXPECT_EQ(usage_error({"sessions", "show", "a", "b"}), "sessions show takes one session id");
  EXPECT_EQ(usage_error({"sessions", "delete", "a", "--json"}), "sessions delete has no --json");
  EXPECT_EQ(usage_error({"sessions", "list", "--sessions-dir", ""}),
            "--sessions-dir needs a directory");
  EXPECT_EQ(usage_error({"list", "--sessions-dir", "x"}),
            "unknown option '--sessions-dir' for list");
  EXPECT_EQ(usage_error({"sessions", "list", "--http", "1.2.3.4:5"}),
            "unknown option '--http' for sessions");
}

TEST(Cli, KubernetesOptions) {
  Options o = parse({"run", "hls"});
  EXPECT_EQ(o.run_dir, "");
  EXPECT_EQ(o.log_format, Options::LogFormat::kText);
  o = parse({"run", "hls", "--run-dir", "/data/run", "--log-format=json"});
  EXPECT_EQ(o.run_dir, "/data/run");
  EXPECT_EQ(o.log_format, Options::LogFormat::kJson);
  EXPECT_EQ(parse({"run", "hls", "--log-format", "text"}).log_format, Options::LogFormat::kText);
  EXPECT_EQ(usage_error({"run", "a", "--log-format", "xml"}),
            "--log-format takes text or json, not 'xml'");
  EXPECT_EQ(usage_error({"run", "a", "--run-dir="}), "--run-dir needs a directory");
  EXPECT_EQ(usage_error({"check", "a", "--run-dir", "x"}), "unknown option '--run-dir' for check");
  EXPECT_NE(help_text("run").find("/readyz"), std::string::npos);
  EXPECT_NE(help_text("run").find("--log-format"), std::string::npos);
}
