export { NumberTransform as default } from "@warp-drive/legacy/serializer/transform";
