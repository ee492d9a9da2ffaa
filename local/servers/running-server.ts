/** What each emulator start-up hands back to startLocalAws. */
export interface RunningServer {
  url: string;
  pid?: number;
  stop: () => Promise<void>;
}
