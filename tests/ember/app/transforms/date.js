export { DateTransform as default } from "@warp-drive/legacy/serializer/transform";
