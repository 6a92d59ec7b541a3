// class-transformer's registry of @Type/@Transform/@Expose/@Exclude, which the package does not
// export from its main entry. The file is the one its main entry requires, so the instance is
// the same (and one module in the bundle).
declare module 'class-transformer/cjs/storage.js' {
  import type { Type } from '@nestjs/common';

  export const defaultMetadataStorage: {
    getStrategy(target: Type): 'excludeAll' | 'exposeAll' | 'none';
    getExposedMetadatas(target: Type): unknown[];
    getExcludedMetadatas(target: Type): unknown[];
    findTypeMetadata(target: Type, property: string): unknown;
    findTransformMetadatas(target: Type, property: string, transformationType: number): unknown[];
  };
}
