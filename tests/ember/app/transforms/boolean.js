export { BooleanTransform as default } from "@warp-drive/legacy/serializer/transform";
