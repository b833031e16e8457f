import { ConnectError } from "@connectrpc/connect";
import { expect } from "vitest";

/** The `ConnectError` a call rejected with; fails the test if the call answered. */
export function failure(p: Promise<unknown>): Promise<ConnectError> {
  return p.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(ConnectError);
      return e as ConnectError;
    },
  );
}
