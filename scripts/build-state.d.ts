// Types for build-state.js (plain JavaScript, so it runs before anything is compiled).
export declare const root: string;
export declare const sourceDir: string;
export declare const distDir: string;
export declare const stampName: string;
export declare function filesUnder(dir: string): string[];
export declare function sourceFingerprint(dir?: string): string;
export declare function builtFingerprint(dir?: string): string | undefined;
export declare function isBuildCurrent(built?: string, sources?: string): boolean;
export declare function isPackagedBuild(built?: string, sources?: string): boolean;
