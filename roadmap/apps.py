from django.apps import AppConfig


class RoadmapConfig(AppConfig):
    name = "roadmap"
    verbose_name = "Regional framework"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from roadmap.middleware import seen_at_sign_in

        user_logged_in.connect(seen_at_sign_in, dispatch_uid="roadmap.seen_at_sign_in")
