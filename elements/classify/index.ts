/** tsclassify's logic without GStreamer: output scoring, region selection and the per-track cache. */
export { scoreClasses, resolveActivation, isDistribution, softmax, sigmoid, l2Normalize } from './scores';
export type { Activation, ScoreOptions, ScoredClass } from './scores';
export { clipToFrame, selectRegions } from './regions';
export type { Region, RegionBox, RegionFilter, RegionObject } from './regions';
export { ReclassifyCache } from './reclassify';
export type { CacheEntry } from './reclassify';
export { MAX_SEGMENTATION_CLASSES, argmaxJs, classHistogram, classMap, classMapShape, classMask, frameClasses, mapTransform, objectClass, useArgmaxKernel } from './segmentation';
export type { ArgmaxKernel, ClassMapShape } from './segmentation';
