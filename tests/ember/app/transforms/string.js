export { StringTransform as default } from "@warp-drive/legacy/serializer/transform";
