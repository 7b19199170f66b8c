import RESTSerializer from "@ember-data/serializer/rest";

export default class ApplicationSerializer extends RESTSerializer {}
