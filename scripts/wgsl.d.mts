// Types of scripts/wgsl.mjs for the TypeScript tests that import it.
export declare const shadersDir: string;
export declare const commonDir: string;
export declare function spliceWgsl(source: string, seen?: Set<string>): string;
export declare function readShaders(): Record<string, string>;
