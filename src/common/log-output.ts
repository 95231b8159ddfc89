import pino, { type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import type { LogFormat, LogLevel } from '../config/sirocco-config';

/** Whether log lines are written for a person (one coloured line per event) rather than as JSON. */
export function isPretty(format: LogFormat, stream: NodeJS.WriteStream = process.stdout): boolean {
  return format === 'pretty' || (format === 'auto' && stream.isTTY === true);
}

/** Where log lines go: stdout, as JSON lines or prettified (see SIROCCO_LOG_FORMAT). */
export function logDestination(format: LogFormat): DestinationStream {
  if (!isPretty(format)) return pino.destination({ dest: 1, sync: true });
  return pinoPretty({
    sync: true,
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    singleLine: true,
    ignore: 'pid,hostname,context,req,res,responseTime',
    messageFormat: (line, messageKey) => {
      const entry = line as { context?: string; req?: { method?: string; url?: string }; res?: { statusCode?: number }; responseTime?: number };
      const message = String(line[messageKey] ?? '');
      const request = entry.req && entry.res
        ? ` ${entry.req.method} ${entry.req.url} ${entry.res.statusCode} ${entry.responseTime ?? '?'} ms`
        : '';
      return `${entry.context ? `[${entry.context}] ` : ''}${message}${request}`;
    },
  });
}

/** The logger of the start-up and shutdown steps in main.ts (Nest's own comes with the app). */
export function startupLogger(level: LogLevel, format: LogFormat): Logger {
  return pino({ level }, logDestination(format)).child({ context: 'sirocco' });
}
