export interface ConfigProblem {
  /** The environment variable at fault. */
  variable: string;
  /** The rule it broke, e.g. `isInt`, `production`, `decrypt`. */
  rule: string;
  /** What is wrong, in words. */
  message: string;
  /** The value as it may be shown: masked for secrets, absent for ciphertexts. */
  shownValue: string;
}

/** Thrown once at boot with every configuration problem found. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(ConfigValidationError.format(problems));
    this.name = 'ConfigValidationError';
  }

  /** The variables at fault, each once, in the order found. */
  get variables(): string[] {
    return [...new Set(this.problems.map((p) => p.variable))];
  }

  static format(problems: readonly ConfigProblem[]): string {
    const byVariable = new Map<string, ConfigProblem[]>();
    for (const problem of problems) {
      byVariable.set(problem.variable, [...(byVariable.get(problem.variable) ?? []), problem]);
    }
    const lines = [...byVariable.entries()].map(([variable, list]) => {
      // Type rules (isInt, isIn, ...) first: "must be an integer" says more than "must be >= 1".
      const ordered = [...list].sort((a, b) => Number(!a.rule.startsWith('is')) - Number(!b.rule.startsWith('is')));
      const reasons = ordered.map((p) => `${p.message} [${p.rule}]`).join('; ');
      return `  - ${variable}=${list[0].shownValue}: ${reasons}`;
    });
    const noun = byVariable.size === 1 ? 'variable' : 'variables';
    return [`Invalid configuration: ${byVariable.size} ${noun} rejected`, ...lines].join('\n');
  }
}
