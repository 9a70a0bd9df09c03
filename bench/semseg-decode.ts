// What bench/semseg-bench.mjs runs in its own process (bundled on the fly): the class-map functions, the argmax
// kernel switch, and the reference preprocessing (the photo is decoded by the script: jpeg-js).
export { argmaxJs, classMap, classMapShape, classMask, objectClass, useArgmaxKernel } from '../elements/classify/index';
export { preprocessReference } from '../ts-runtime/preprocess/reference';
