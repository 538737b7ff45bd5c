from django.urls import path

from archive import citation_views, feeds, views

app_name = "archive"
urlpatterns = [
    path("", views.home, name="home"),
    path("essays/", views.essay_list, name="essay_list"),
    path("essays/<int:pk>/", views.essay_permalink, name="essay_permalink"),
    # Citation routes come before essay_detail, whose <slug> would otherwise take "cite".
    path("essays/<int:pk>/cite/", citation_views.essay_cite, name="essay_cite"),
    path("essays/<int:pk>/cite.<str:fmt>", citation_views.essay_export, name="essay_export"),
    path("cite/export.<str:fmt>", citation_views.list_export, name="list_export"),
    path("authors/<slug:slug>/cite.<str:fmt>", citation_views.author_export, name="author_export"),
    path("sources/<slug:slug>/cite.<str:fmt>", citation_views.source_export, name="source_export"),
    path("topics/<slug:slug>/cite.<str:fmt>", citation_views.topic_export, name="topic_export"),
    path("essays/<int:pk>/<str:slug>/", views.essay_detail, name="essay_detail"),
    path("authors/", views.catalogue_list, {"kind": "author"}, name="author_list"),
    path("authors/<slug:slug>/", views.catalogue_detail, {"kind": "author"}, name="author_detail"),
    path("sources/", views.catalogue_list, {"kind": "source"}, name="source_list"),
    path("sources/<slug:slug>/", views.catalogue_detail, {"kind": "source"}, name="source_detail"),
    path("topics/", views.catalogue_list, {"kind": "topic"}, name="topic_list"),
    path("topics/<slug:slug>/", views.catalogue_detail, {"kind": "topic"}, name="topic_detail"),
    path("years/", views.year_list, name="year_list"),
    path("years/<int:year>/", views.year_detail, name="year_detail"),
    path("feeds/latest.atom", feeds.LatestEssaysFeed(), name="feed_latest_atom"),
    path("feeds/latest.rss", feeds.LatestEssaysRssFeed(), name="feed_latest_rss"),
    path("authors/<slug:slug>/feed.atom", feeds.AuthorFeed(), name="author_feed_atom"),
    path("authors/<slug:slug>/feed.rss", feeds.AuthorRssFeed(), name="author_feed_rss"),
    path("sources/<slug:slug>/feed.atom", feeds.SourceFeed(), name="source_feed_atom"),
    path("sources/<slug:slug>/feed.rss", feeds.SourceRssFeed(), name="source_feed_rss"),
    path("topics/<slug:slug>/feed.atom", feeds.TopicFeed(), name="topic_feed_atom"),
    path("topics/<slug:slug>/feed.rss", feeds.TopicRssFeed(), name="topic_feed_rss"),
]
