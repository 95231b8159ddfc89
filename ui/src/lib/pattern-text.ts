// one reading of cron patterns for the service's clients: the CLI uses the same module
export { patternInWords } from '../../../src/triggers/schedule/pattern-words';
