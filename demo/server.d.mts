/** Starts the demo server; port 0 picks a free one; `isolated: false` leaves out the COOP/COEP headers. */
export function startDemoServer(options?: {
  port?: number;
  host?: string;
  isolated?: boolean;
}): Promise<{ url: string; close(): Promise<void> }>;
