import type { Command } from 'commander';
import { loadCliConfig } from './cli-config';
import type { CliOutput } from './cli-output';
import { SiroccoClient } from './sirocco-client';

/** What every command gets: where to write, the global options, and the API client (signed in on first use). */
export interface CliContext {
  output: CliOutput;
  client(command: Command): Promise<SiroccoClient>;
  json(command: Command): boolean;
}

interface GlobalOptions {
  url?: string;
  json?: boolean;
}

export function createCliContext(output: CliOutput, env: Record<string, string | undefined> = process.env): CliContext {
  let client: Promise<SiroccoClient> | undefined;
  return {
    output,
    client(command) {
      client ??= SiroccoClient.connect(loadCliConfig(env), (command.optsWithGlobals() as GlobalOptions).url);
      return client;
    },
    json: (command) => Boolean((command.optsWithGlobals() as GlobalOptions).json),
  };
}
