from django.urls import path, re_path

from . import scim

urlpatterns = [
    path("ServiceProviderConfig", scim.service_provider_config, name="scim_config"),
    path("Schemas", scim.schemas, name="scim_schemas"),
    path("Schemas/<str:uri>", scim.schema, name="scim_schema"),
    path("ResourceTypes", scim.resource_types, name="scim_resource_types"),
    path("ResourceTypes/<str:name>", scim.resource_type_view, name="scim_resource_type"),
    path("Users", scim.users, name="scim_users"),
    path("Users/<str:pk>", scim.user, name="scim_user"),
    path("Groups", scim.groups, name="scim_groups"),
    path("Groups/<str:pk>", scim.group, name="scim_group"),
    re_path(r"^(?P<rest>.*)$", scim.not_found, name="scim_not_found"),
]
