import { Argument, type Command, type Option } from 'commander';
import type { CliContext } from './cli-context';

const BASH = `# sirocco completion for bash: eval "$(sirocco completion bash)" (e.g. in ~/.bashrc)
_sirocco_completion() {
  local IFS=$'\\n'
  COMPREPLY=( $(sirocco __complete -- "\${COMP_WORDS[@]:1:$COMP_CWORD}" 2>/dev/null) )
}
complete -o default -F _sirocco_completion sirocco
`;

const ZSH = `#compdef sirocco
# sirocco completion for zsh: eval "$(sirocco completion zsh)" (e.g. in ~/.zshrc, after compinit)
_sirocco() {
  local -a candidates
  candidates=("\${(@f)$(sirocco __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ -n "\${candidates[1]}" ]]; then compadd -- "\${candidates[@]}"; else _files; fi
}
compdef _sirocco sirocco
`;

function visibleCommands(command: Command): Command[] {
  return command.commands.filter((sub) => !(sub as unknown as { _hidden?: boolean })._hidden);
}

function optionsOf(command: Command): Option[] {
  const own = command.options.filter((option) => !option.hidden);
  return command.parent ? [...own, ...optionsOf(command.parent)] : own;
}

/**
 * What may come next after `words` (the last one being typed), read from the program itself:
 * sub-commands, options, and the choices of an option or argument that has them.
 */
export function completionCandidates(program: Command, words: string[]): string[] {
  const typed = words.length > 0 ? words[words.length - 1] : '';
  let command = program;
  let positional = 0;
  const done = words.slice(0, -1);
  for (let index = 0; index < done.length; index += 1) {
    const word = done[index];
    const sub = visibleCommands(command).find((candidate) => candidate.name() === word || candidate.aliases().includes(word));
    if (sub) {
      command = sub;
      positional = 0;
    } else if (word.startsWith('-')) {
      const option = optionsOf(command).find((candidate) => candidate.long === word || candidate.short === word);
      if (option && (option.required || option.optional)) index += 1; // its value
    } else positional += 1;
  }
  const previous = done[done.length - 1];
  const valueOf = previous?.startsWith('-') ? optionsOf(command).find((option) => option.long === previous || option.short === previous) : undefined;
  let candidates: string[];
  if (valueOf && (valueOf.required || valueOf.optional)) candidates = valueOf.argChoices ?? [];
  else if (typed.startsWith('-')) candidates = [...optionsOf(command).map((option) => option.long ?? option.short ?? ''), '--help'];
  else {
    const argument = (command as unknown as { registeredArguments: Argument[] }).registeredArguments[positional];
    candidates = [...visibleCommands(command).map((sub) => sub.name()), ...(argument?.argChoices ?? [])];
  }
  return candidates.filter((candidate) => candidate && candidate.startsWith(typed));
}

/** `sirocco completion bash|zsh` prints the script; the shell then asks `sirocco __complete`. */
export function registerCompletionCommands(program: Command, context: CliContext): void {
  program
    .command('completion')
    .description('Print the shell completion script: eval "$(sirocco completion bash)"')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => context.output.out(shell === 'bash' ? BASH : ZSH));

  program
    .command('__complete', { hidden: true })
    .argument('[words...]')
    .allowUnknownOption()
    .helpOption(false)
    .action((words: string[] = []) => {
      const candidates = completionCandidates(program, words.length === 0 ? [''] : words);
      if (candidates.length > 0) context.output.out(`${candidates.join('\n')}\n`);
    });
}
