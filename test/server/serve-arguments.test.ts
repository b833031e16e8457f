import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/cli/serve-arguments.js";

describe("parseCommandLine", () => {
  it("defaults to 127.0.0.1:8080", () => {
    expect(parseCommandLine(["serve"])).toEqual({ kind: "serve", args: { host: "127.0.0.1", port: 8080, tcpPort: 50051 } });
  });

  it("reads --tcp-port and --no-tcp", () => {
    expect(parseCommandLine(["serve", "--tcp-port", "0"])).toEqual({ kind: "serve", args: { host: "127.0.0.1", port: 8080, tcpPort: 0 } });
    expect(parseCommandLine(["serve", "--no-tcp"])).toEqual({ kind: "serve", args: { host: "127.0.0.1", port: 8080, tcpPort: undefined } });
  });

  it("reads --port and --host in either order and form", () => {
    expect(parseCommandLine(["serve", "--port", "0", "--host", "::1"])).toEqual({ kind: "serve", args: { host: "::1", port: 0, tcpPort: 50051 } });
    expect(parseCommandLine(["--host=0.0.0.0", "serve", "--port=65535"])).toEqual({ kind: "serve", args: { host: "0.0.0.0", port: 65535, tcpPort: 50051 } });
  });

  it("answers help for --help and -h, whatever else is there", () => {
    expect(parseCommandLine(["--help"]).kind).toBe("help");
    expect(parseCommandLine(["serve", "-h"]).kind).toBe("help");
  });

  it("names what is wrong in a usage error", () => {
    const cases: Array<[string[], RegExp]> = [
      [["serve", "--bogus"], /Unknown option '--bogus'/],
      [["serve", "--port", "http"], /^--port: "http" is not a port number/],
      [["serve", "--port", "70000"], /^--port: "70000" is not a port number/],
      [["serve", "--port", "-1"], /--port/],
      [["serve", "--port", "1.5"], /^--port: "1.5"/],
      [["serve", "--port"], /--port/],
      [["serve", "--host", ""], /^--host: must not be empty/],
      [["serve", "--tcp-port", "x"], /^--tcp-port: "x" is not a port number/],
      [["serve", "--tcp-port", "70000"], /^--tcp-port/],
      [["serve", "--tcp-port", "1", "--no-tcp"], /exclude each other/],
      [["launch"], /^unknown command: "launch"/],
      [["serve", "extra"], /^unknown command: "serve extra"/],
      [[], /^missing command/],
    ];
    for (const [argv, message] of cases) {
      const result = parseCommandLine(argv);
      expect(result.kind, argv.join(" ")).toBe("usage-error");
      if (result.kind === "usage-error") expect(result.message, argv.join(" ")).toMatch(message);
    }
  });
});
